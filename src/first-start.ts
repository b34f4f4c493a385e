import { count } from 'drizzle-orm'
import { DEFAULT_SEEDS, readSeeds, seed } from './cli/seed.ts'
import type { Deps } from './deps.ts'
import { permissions, users } from './storage/schema/index.ts'

/**
 * A first start on an empty database loads Barong's default levels, permissions and restrictions (what
 * `barong seed` loads) and the superadmin of BARONG_ADMIN_EMAIL / BARONG_ADMIN_PASSWORD, so sign-up works without
 * another command. A database with any permission or user is never touched: rules an operator removed stay removed.
 */
export async function seedFirstStart(deps: Deps): Promise<void> {
  const [rules] = await deps.db.select({ n: count() }).from(permissions)
  const [people] = await deps.db.select({ n: count() }).from(users)
  if ((rules?.n ?? 0) > 0 || (people?.n ?? 0) > 0) return
  const report = await seed(deps.db, deps.config, readSeeds(DEFAULT_SEEDS), new Date(deps.clock.now()), { relay: deps.relay, store: deps.store, logger: deps.logger })
  deps.logger.info({ levels: report.levels, permissions: report.permissions, restrictions: report.restrictions, superadmin: report.users[0] ?? null }, 'first start: loaded Barong’s default levels, permissions and restrictions')
  if (!report.users.length) {
    deps.logger.info('no superadmin yet: set BARONG_ADMIN_EMAIL and BARONG_ADMIN_PASSWORD and restart, or run `npx barong user create --email E --password P --role superadmin --state active`')
  }
}
