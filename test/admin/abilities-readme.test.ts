import { readFileSync, writeFileSync } from 'node:fs'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { holds } from '../../src/admin/abilities.ts'
import { DEFAULT_ABILITIES } from '../../src/config/abilities.ts'
import type { Ability } from '../../src/http/route-decl.ts'
import { adminApp } from '../helpers/admin.ts'
import type { TestApp } from '../helpers/app.ts'
import { ROOT } from '../helpers/spawn.ts'

// The README's role × endpoint table is the abilities the routes declare, checked against the built-in table:
// each route test proves its own row (an allowed and a refused role).
let t: TestApp
beforeAll(async () => {
  t = await adminApp()
})
afterAll(async () => t?.close())

const BEGIN = '<!-- abilities table: generated from the route declarations; test/admin/abilities-readme.test.ts -->'
const END = '<!-- end of abilities table -->'

function render(doc: { paths: Record<string, Record<string, { 'x-ability'?: Ability }>> }): string {
  const roles = DEFAULT_ABILITIES.roles
  const lines = [`| endpoint | ability | ${roles.join(' | ')} |`, `|---|---|${roles.map(() => ':-:').join('|')}|`]
  for (const [path, ops] of Object.entries(doc.paths)) {
    if (!path.includes('/admin/')) continue
    for (const [method, op] of Object.entries(ops)) {
      const a = op['x-ability']
      const cells = roles.map((r) => (a === undefined ? '✓' : holds(DEFAULT_ABILITIES, r, a) ? '✓' : '—'))
      lines.push(`| \`${method.toUpperCase()} ${path.replace('/api/v2/barong', '')}\` | ${a ? `${a.action} ${a.subject}` : 'none (the caller’s own entry)'} | ${cells.join(' | ')} |`)
    }
  }
  return lines.join('\n')
}

it('the README lists every admin route with the ability it needs and the roles that hold it', async () => {
  const doc = await (await t.app.request('/api/v2/barong/openapi.json')).json()
  const readme = readFileSync(`${ROOT}/README.md`, 'utf8')
  const start = readme.indexOf(BEGIN)
  const end = readme.indexOf(END)
  expect(start, 'README abilities table markers').toBeGreaterThan(0)
  const table = readme.slice(start + BEGIN.length, end).trim()
  // UPDATE_README=1 rewrites the table after a route or the abilities table changed.
  if (process.env.UPDATE_README === '1') writeFileSync(`${ROOT}/README.md`, `${readme.slice(0, start + BEGIN.length)}\n${render(doc)}\n${readme.slice(end)}`)
  else expect(table).toBe(render(doc))
})
