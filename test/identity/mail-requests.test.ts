import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestApp } from '../helpers/app.ts'
import { Client, ID, eventsFor, register, seededApp, uniqueEmail } from '../helpers/http.ts'

let t: TestApp
beforeAll(async () => {
  t = await seededApp({ BARONG_MAIL_REQUEST_MAX: '3', BARONG_MAIL_REQUEST_IP_MAX: '8', BARONG_MAIL_REQUEST_WINDOW: '600' })
})
afterAll(async () => t?.close())

let ipCounter = 0
/** Each request from an address of its own, unless one is given: these tests aim at the per-email limit. */
const ask = (kind: 'password' | 'email', email: string, ip = `10.30.${Math.floor(ipCounter / 250)}.${(ipCounter++ % 250) + 1}`) =>
  new Client(t, ip).post(`${ID}/users/${kind}/generate_code`, { email })

async function answers(kind: 'password' | 'email', email: string, n: number) {
  const out: Array<{ status: number; body: unknown; retryAfter: string | null }> = []
  for (let i = 0; i < n; i++) {
    const res = await ask(kind, email)
    out.push({ status: res.status, body: await res.json(), retryAfter: res.headers.get('retry-after') })
  }
  return out
}

const limited = { status: 429, body: { errors: ['identity.user.too_many_requests'] }, retryAfter: '600' }
const accepted = { status: 201, body: 201, retryAfter: null }

describe('requests for a mailed code are limited', () => {
  it('per email: the fourth reset request is refused and the outbox stops growing; an unknown email gets the same answers', async () => {
    const { email } = await register(t)
    const known = await answers('password', email, 10)
    expect(known).toEqual([accepted, accepted, accepted, ...Array(7).fill(limited)])
    expect(await eventsFor(t, 'user.password.reset.token', email)).toHaveLength(3)

    const ghost = await answers('password', uniqueEmail('ghost'), 10)
    expect(ghost).toEqual(known)
    // Whatever its case: the bucket is the canonical address.
    expect((await ask('password', email.toUpperCase())).status).toBe(429)
    expect(await eventsFor(t, 'user.password.reset.token', email)).toHaveLength(3)
  })

  it('per email across both kinds: confirmation requests share the budget', async () => {
    const { email } = await register(t)
    expect((await answers('email', email, 2)).map((a) => a.status)).toEqual([201, 201])
    expect((await answers('password', email, 2)).map((a) => a.status)).toEqual([201, 429])
    expect((await answers('email', email, 2)).map((a) => a.status)).toEqual([429, 429])
    // One at sign-up, two requested.
    expect(await eventsFor(t, 'user.email.confirmation.token', email)).toHaveLength(3)
    expect(await eventsFor(t, 'user.password.reset.token', email)).toHaveLength(1)
  })

  it('per IP, across addresses, with the same answer for unknown ones', async () => {
    const ip = '10.31.0.1'
    const { email } = await register(t)
    const statuses: number[] = []
    for (let i = 0; i < 7; i++) statuses.push((await ask('password', uniqueEmail('spray'), ip)).status)
    statuses.push((await ask('password', email, ip)).status)
    const blocked = await ask('password', email, ip)
    expect(statuses).toEqual(Array(8).fill(201))
    expect(blocked.status).toBe(429)
    expect(await blocked.json()).toEqual({ errors: ['identity.user.too_many_requests'] })
    expect((await ask('email', uniqueEmail('spray'), ip)).status).toBe(429)
    expect(await eventsFor(t, 'user.password.reset.token', email)).toHaveLength(1)
  })
})
