import { parseArgs } from 'node:util'
import { commit } from '../accounts/commit.ts'
import { createUserWithLevels, NotEnoughLevels, validateNewUser } from '../accounts/users.ts'
import { systemClock } from '../clock.ts'
import { isoSeconds } from '../accounts/user-record.ts'
import { ConfigError, loadConfig, type Config } from '../config/index.ts'
import { generatePrivateKeyPem } from '../crypto/keys.ts'
import { openDb, type DbHandle } from '../storage/db.ts'
import { DEFAULT_SEEDS, readSeeds, seed } from './seed.ts'

const USAGE = `usage: barong <command>
  migrate                       apply pending migrations
  seed [FILE]                   load levels, permissions, restrictions (default: Barong's) and the admin
  user create --email E --password P [--role R] [--level N] [--state S]
  keys generate                 print a new RS256 private key (PEM)`

class UsageError extends Error {}

async function withDb<T>(config: Config, fn: (h: DbHandle) => Promise<T>): Promise<T> {
  const handle = await openDb({ url: config.env.DATABASE_URL, dataDir: config.dataDir, poolSize: 2, prepare: config.env.DATABASE_PREPARE, migrationUrl: config.env.DATABASE_MIGRATION_URL })
  try {
    await handle.migrate()
    return await fn(handle)
  } finally {
    await handle.close()
  }
}

async function userCreate(config: Config, argv: string[]): Promise<void> {
  let values
  try {
    ;({ values } = parseArgs({
      args: argv,
      options: {
        email: { type: 'string' },
        password: { type: 'string' },
        role: { type: 'string', default: 'member' },
        level: { type: 'string', default: '0' },
        state: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }))
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
  if (!values.email) throw new UsageError('user create needs --email')
  if (!values.password) throw new UsageError('user create needs --password')
  if (!/^\d{1,4}$/.test(values.level)) throw new UsageError('--level must be a whole number')
  if (values.state !== undefined && !/^[a-z_]{1,32}$/.test(values.state)) throw new UsageError('--state must be a word such as active, pending, banned')
  const input = { email: values.email, password: values.password, role: values.role }
  const level = Number(values.level)
  const user = await withDb(config, async ({ db }) => {
    const errs = await validateNewUser(db, config, input)
    if (errs.length) throw new UsageError(`cannot create user: ${errs.join(', ')}`)
    try {
      return await commit({ db, clock: systemClock }, (w) => createUserWithLevels(w, config, input, level, values.state))
    } catch (err) {
      if (err instanceof NotEnoughLevels) throw new UsageError(`--${err.message}`)
      throw err
    }
  })
  process.stdout.write(
    `${JSON.stringify({
      email: user.email,
      uid: user.uid,
      role: user.role,
      level: user.level,
      otp: user.otp,
      state: user.state,
      referral_uid: null,
      data: user.data,
      created_at: isoSeconds(user.createdAt),
      updated_at: isoSeconds(user.updatedAt),
    })}\n`,
  )
}

export async function run(argv: string[]): Promise<void> {
  const [cmd, sub, ...rest] = argv
  if (cmd === 'keys' && sub === 'generate' && rest.length === 0) {
    process.stdout.write(generatePrivateKeyPem())
    return
  }
  if (cmd === undefined || cmd === 'help' || cmd === '--help') {
    process.stdout.write(`${USAGE}\n`)
    if (cmd === undefined) throw new UsageError('no command given')
    return
  }
  const config = loadConfig()
  if (cmd === 'migrate' && sub === undefined) {
    await withDb(config, async () => {})
    process.stdout.write('migrations applied\n')
    return
  }
  if (cmd === 'seed' && rest.length === 0) {
    const seeds = readSeeds(sub ?? DEFAULT_SEEDS)
    const report = await withDb(config, ({ db }) => seed(db, config, seeds))
    process.stdout.write(`${JSON.stringify(report)}\n`)
    return
  }
  if (cmd === 'user' && sub === 'create') return userCreate(config, rest)
  throw new UsageError(`unknown command: ${argv.join(' ')}`)
}

run(process.argv.slice(2)).then(
  () => process.exit(0),
  (err: unknown) => {
    const msg = err instanceof UsageError || err instanceof ConfigError ? err.message : `error: ${(err as Error)?.message ?? String(err)}`
    process.stderr.write(`barong: ${msg.split('\n')[0]}\n`)
    process.exit(err instanceof UsageError ? 2 : 1)
  },
)
