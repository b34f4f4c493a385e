import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { TestApp } from '../helpers/app.ts'
import { register, seededApp } from '../helpers/http.ts'
import { ROOT } from '../helpers/spawn.ts'

let t: TestApp
beforeAll(async () => {
  t = await seededApp()
})
afterAll(async () => t?.close())

const metricsText = async () => (await t.app.request('/metrics')).text()
const value = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

it('decisions are counted by result and reason; backlogs, the replica and the database are reported', async () => {
  const { client } = await register(t)
  expect((await client.get('/api/v2/auth/api/v2/barong/resource/users/me')).status).toBe(200)
  expect((await client.get('/api/v2/auth/api/v2/barong/admin/users')).status).toBe(401)
  const text = await metricsText()
  expect(value(text, 'barong_authz_decisions_total{result="allow",reason="ok"}')).toBeGreaterThanOrEqual(1)
  expect(value(text, 'barong_authz_decisions_total{result="deny",reason="authz.invalid_permission"}')).toBeGreaterThanOrEqual(1)
  // The sign-up's events wait for the relay or have gone; either way a number.
  expect(value(text, 'barong_outbox_unsent_events')).toBeGreaterThanOrEqual(0)
  expect(value(text, 'barong_outbox_oldest_unsent_seconds')).toBeGreaterThanOrEqual(0)
  expect(value(text, 'barong_database_up')).toBe(1)
  expect(value(text, 'barong_session_replica_entries')).toBeGreaterThanOrEqual(1)
  expect(value(text, 'barong_audit_dropped_rows')).toBe(0)
})

it('every metric and route the Grafana dashboard names is one the service exports', async () => {
  const { client } = await register(t)
  expect((await client.get('/api/v2/barong/resource/users/me')).status).toBe(200)
  await t.app.request('/api/v2/barong/identity/sessions', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email: 'nobody@example.com', password: 'x' }) })
  const dashboard = JSON.parse(readFileSync(`${ROOT}/deploy/grafana/barong-gateway.json`, 'utf8')) as { panels: { targets?: { expr: string }[] }[] }
  const exprs = dashboard.panels.flatMap((p) => p.targets ?? []).map((t) => t.expr)
  expect(exprs.length).toBeGreaterThan(15)
  const text = await metricsText()
  const exported = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!))
  const named = exprs.flatMap((e) => [...e.matchAll(/\b((?:barong|http|process|nodejs)_[a-z0-9_]+)\b/g)].map((m) => m[1]!.replace(/_(bucket|sum|count)$/, '')))
  for (const name of named) expect(exported, name).toContain(name)
  // The routes it filters on are the labels the service writes.
  const routes = exprs.flatMap((e) => [...e.matchAll(/route="([^"]+)"/g)].map((m) => m[1]!))
  expect(routes.length).toBeGreaterThan(0)
  for (const route of routes) expect(text, route).toContain(`route="${route}"`)
})

it('every metric the alert rules name is one the service exports', async () => {
  const rules = parse(readFileSync(`${ROOT}/deploy/prometheus/alerts.yml`, 'utf8')) as { groups: { rules: { alert: string; expr: string }[] }[] }
  const text = await metricsText()
  const exported = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!))
  const named = rules.groups.flatMap((g) => g.rules.flatMap((r) => [...r.expr.matchAll(/\b(barong_[a-z_]+|http_[a-z_]+)\b/g)].map((m) => m[1]!)))
  expect(named.length).toBeGreaterThan(5)
  for (const name of named) expect(exported, name).toContain(name)
})
