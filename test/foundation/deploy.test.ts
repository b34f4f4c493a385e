import { readFileSync } from 'node:fs'
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
    await probed('/readyz')
  })
})
