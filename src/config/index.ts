import { resolve, join } from 'node:path'
import { loadAbilities, type AbilityTable } from './abilities.ts'
import { loadBarongYml, type BarongYml } from './barong-yml.ts'
import { parseEnv, type Env } from './env.ts'

export { ConfigError } from './env.ts'

export interface Config {
  env: Env
  barong: BarongYml
  /** Admin abilities per role (BARONG_ABILITIES, else Barong 2.6's table). */
  abilities: AbilityTable
  dataDir: string
  uploadDir: string
}

export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  const env = parseEnv(source)
  const dataDir = resolve(env.DATA_DIR)
  return {
    env,
    barong: loadBarongYml(env.BARONG_CONFIG),
    abilities: loadAbilities(env.BARONG_ABILITIES),
    dataDir,
    uploadDir: env.BARONG_UPLOAD_DIR ? resolve(env.BARONG_UPLOAD_DIR) : join(dataDir, 'uploads'),
  }
}
