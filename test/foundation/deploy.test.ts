import { readFileSync, writeFileSync } from 'node:fs'
import { parse, parseAllDocuments } from 'yaml'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { envSchema } from '../../src/config/env.ts'
import type { TestApp } from '../helpers/app.ts'
import { seededApp } from '../helpers/http.ts'
import { ROOT } from '../helpers/spawn.ts'

// The deployment files name the service's settings, port and probes; a rename in the code must not leave them behind.
const KNOWN = new Set([...Object.keys(envSchema.shape), 'NODE_ENV', 'LOG_LEVEL'])
const PORT = envSchema.shape.PORT.parse(undefined)
const read = (path: string) => readFileSync(`${ROOT}/${path}`, 'utf8')

let t: TestApp
beforeAll(async () => {
  t = await seededApp()
})
afterAll(async () => t?.close())

/** deploy/nginx.conf with compose's hosts: both gateway instances, and the sample upstream (UPDATE_DEPLOY=1 rewrites it). */
function composeNginx(shipped: string): string {
  const swap = (text: string, from: string, to: string) => {
    if (!text.includes(from)) throw new Error(`deploy/nginx.conf no longer has ${JSON.stringify(from)}`)
    return text.replace(from, to)
  }
  let conf = swap(shipped, 'server 127.0.0.1:3000;', 'server barong:3000; server barong-b:3000;')
  conf = swap(conf, 'server 127.0.0.1:9001;', 'server upstream:9001;')
  return `# Generated from deploy/nginx.conf for deploy/compose.yaml (its service names); test/foundation/deploy.test.ts
# keeps it so: edit deploy/nginx.conf and run that test with UPDATE_DEPLOY=1.
${conf}`
}

/** A probe path answers (200, or 503 while not ready), never 404. */
const probed = async (path: string) => expect([200, 503], path).toContain((await t.app.request(path)).status)

describe('deploy/', () => {
  it('compose.yaml: every variable is a setting of the service; the gateways listen on its port', () => {
    const compose = parse(read('deploy/compose.yaml'), { merge: true }) as { services: Record<string, { environment?: Record<string, string>; ports?: string[]; build?: unknown }> }
    const gateways = Object.entries(compose.services).filter(([, s]) => s.build)
    expect(gateways.length).toBe(2)
    for (const [name, s] of gateways) {
      for (const key of Object.keys(s.environment ?? {})) expect(KNOWN, `${name}: ${key}`).toContain(key)
      for (const p of s.ports ?? []) expect(p.split(':').at(-1), name).toBe(String(PORT))
      expect(s.environment?.DATABASE_URL, name).toBeTruthy()
      expect(s.environment?.REDIS_URL, name).toBeTruthy()
    }
  })

  it('nginx.compose.conf is deploy/nginx.conf (the file the nginx test runs) with compose’s service names', () => {
    const compose = parse(read('deploy/compose.yaml'), { merge: true }) as { services: Record<string, { volumes?: string[]; depends_on?: string[] }> }
    const expected = composeNginx(read('deploy/nginx.conf'))
    if (process.env.UPDATE_DEPLOY) writeFileSync(`${ROOT}/deploy/nginx.compose.conf`, expected)
    expect(read('deploy/nginx.compose.conf')).toBe(expected)
    expect(compose.services.nginx?.volumes).toContain('./nginx.compose.conf:/etc/nginx/nginx.conf:ro')
    for (const host of ['barong', 'barong-b', 'upstream']) expect(Object.keys(compose.services)).toContain(host)
  })

  it('k8s: config and secret names are settings; the container port is the service’s; the probes answer', async () => {
    const docs = [...parseAllDocuments(read('deploy/k8s/barong.yaml')), ...parseAllDocuments(read('deploy/k8s/secret.example.yaml'))].map((d) => d.toJS())
    const kinds = docs.map((d) => d.kind)
    expect(kinds).toEqual(expect.arrayContaining(['ConfigMap', 'Secret', 'Deployment', 'Service', 'PodDisruptionBudget', 'HorizontalPodAutoscaler']))
    for (const d of docs.filter((x) => x.kind === 'ConfigMap')) for (const key of Object.keys(d.data)) expect(KNOWN, key).toContain(key)
    for (const d of docs.filter((x) => x.kind === 'Secret')) for (const key of Object.keys(d.stringData)) expect(KNOWN, key).toContain(key)
    const [deployment] = docs.filter((x) => x.kind === 'Deployment')
    const container = deployment.spec.template.spec.containers[0]
    expect(container.ports[0].containerPort).toBe(PORT)
    await probed(container.readinessProbe.httpGet.path)
    await probed(container.livenessProbe.httpGet.path)
    expect(container.readinessProbe.httpGet.path).toBe('/readyz')
    // The pod's grace period outlasts the service's own drain deadline.
    const [config] = docs.filter((x) => x.kind === 'ConfigMap')
    expect(deployment.spec.template.spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(Number(config.data.SHUTDOWN_TIMEOUT_MS))
  })

  it('Dockerfile: exposes the service’s port, runs as non-root, checks /readyz, starts the compiled build', async () => {
    const docker = read('deploy/Dockerfile')
    expect(docker).toMatch(new RegExp(`^EXPOSE ${PORT}$`, 'm'))
    expect(docker).toMatch(/^USER node$/m)
    expect(docker).toMatch(/HEALTHCHECK[\s\S]*\/readyz/)
    expect(docker).toMatch(/^CMD \[.*"dist\/main\.js"\]$/m)
    // Production dependencies carry the same patches as development ones (patches/).
    expect(docker).toMatch(/^COPY patches patches$/m)
    expect(docker).toMatch(/--omit=dev[^\n]*&& npx patch-package$/m)
    await probed('/readyz')
  })
})
