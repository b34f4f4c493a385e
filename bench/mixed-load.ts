/**
 * The steady load of `npm run faults` and `npm run soak`: allowed and refused requests through /api/v2/auth and the
 * forwarder, sign-ins and admin writes, each with what it must never answer (a refused kind must never get a 2xx)
 * and what it must leave behind (a sign-in's activity row and event, an admin write's label and event).
 */
import { ADMIN_PATH, FORWARD, ME, PASSWORD, UA, call, type Actors, type Answer } from './stack.ts'

export interface Phase {
  name: string
  requests: number
  unsafe: string[]
  bad5xx: Record<string, number>
  cut: number
  refused: number
  signIns: number
  labels: string[]
  statuses: Record<string, Record<number, number>>
  /** Admin writes are removed again (soak); kept for the lost-write check otherwise (faults). */
  churn: boolean
}
const T0 = performance.now()
/** Seconds since the run began, for the verbose log. */
export const clock = () => ((performance.now() - T0) / 1000).toFixed(1)
export const newPhase = (name: string, churn = false): Phase => ({ name, requests: 0, unsafe: [], bad5xx: {}, cut: 0, refused: 0, signIns: 0, labels: [], statuses: {}, churn })

/** One request of the mix; what it must never answer is known in advance. */
async function step(a: Actors, phase: Phase, phaseIndex: number, i: number): Promise<void> {
  const kinds = ['allowed', 'anonymous', 'admin-path', 'ended', 'forward', 'forward-anonymous', 'forward-ended', 'allowed', 'sign-in', 'admin-write'] as const
  const kind = kinds[i % kinds.length]!
  const denied = { 'X-Fault-Denied': '1' }
  const started = performance.now()
  let answer: Answer
  let mustRefuse = false
  switch (kind) {
    case 'allowed':
      answer = await call('GET', ME, { Cookie: a.member })
      break
    case 'anonymous':
      mustRefuse = true
      answer = await call('GET', ME)
      break
    case 'admin-path':
      mustRefuse = true
      answer = await call('GET', ADMIN_PATH, { Cookie: a.member })
      break
    case 'ended':
      mustRefuse = true
      answer = await call('GET', ME, { Cookie: a.ended })
      break
    case 'forward':
      answer = await call('GET', FORWARD, { Cookie: a.member })
      break
    case 'forward-anonymous':
      mustRefuse = true
      answer = await call('GET', FORWARD, denied)
      break
    case 'forward-ended':
      mustRefuse = true
      answer = await call('GET', FORWARD, { Cookie: a.ended, ...denied })
      break
    case 'sign-in':
      // The phase is in the user agent: its activity rows and events are found by it afterwards.
      answer = await call('POST', '/api/v2/barong/identity/sessions', { 'User-Agent': `${UA} phase/${phaseIndex}` }, { email: a.memberEmail, password: PASSWORD })
      if (answer.status === 200) {
        phase.signIns++
        // Ended at once, so a long run's sessions do not pile up in the replica (a bounded cache, not a leak).
        const cookie = /_barong_session=([^;]+)/.exec(String(answer.headers['set-cookie'] ?? ''))?.[1]
        const csrf = (JSON.parse(answer.body) as { csrf_token?: string }).csrf_token
        if (cookie && csrf) {
          const out = await call('DELETE', '/api/v2/barong/identity/sessions', { Cookie: `_barong_session=${cookie}`, 'X-CSRF-Token': csrf, 'User-Agent': `${UA} phase/${phaseIndex}` })
          const byKind = (phase.statuses['sign-out'] ??= {})
          byKind[out.status] = (byKind[out.status] ?? 0) + 1
        }
      }
      break
    case 'admin-write': {
      const key = `f${phaseIndex}_${i}`
      answer = await call('POST', '/api/v2/barong/admin/users/labels', { Cookie: a.root.cookie, 'X-CSRF-Token': a.root.csrf }, { uid: a.targetUid, key, value: 'fault', scope: 'private' })
      if (answer.status === 201 || answer.status === 200) {
        phase.labels.push(key)
        // A long run removes what it wrote, or one user's thousands of labels (each write re-reads them to
        // compute the level) would be what it measures.
        if (phase.churn) {
          const removed = await call('DELETE', '/api/v2/barong/admin/users/labels', { Cookie: a.root.cookie, 'X-CSRF-Token': a.root.csrf }, { uid: a.targetUid, key, scope: 'private' })
          const byKind = (phase.statuses['admin-remove'] ??= {})
          byKind[removed.status] = (byKind[removed.status] ?? 0) + 1
          if (process.env.FAULTS_VERBOSE && removed.status !== 200) console.log(`    admin remove ${removed.status}: ${removed.body.slice(0, 200)}`)
        }
      }
      else if (process.env.FAULTS_VERBOSE && answer.status < 500) console.log(`    admin write ${answer.status}: ${answer.body.slice(0, 200)}`)
      break
    }
  }
  phase.requests++
  if (process.env.FAULTS_VERBOSE && performance.now() - started > 2000) console.log(`    slow ${kind}: ${answer.status}${answer.error ? ` (${answer.error})` : ''} after ${Math.round(performance.now() - started)} ms, at ${clock()} s`)
  const byKind = (phase.statuses[kind] ??= {})
  byKind[answer.status] = (byKind[answer.status] ?? 0) + 1
  if (answer.error === 'cut') {
    phase.cut++
    if (process.env.FAULTS_VERBOSE) console.log(`    cut off: ${kind} after ${Math.round(performance.now() - started)} ms, at ${clock()} s`)
  }
  if (answer.error === 'refused') phase.refused++
  if (mustRefuse && answer.status >= 200 && answer.status < 300) phase.unsafe.push(`${kind}: ${answer.status}`)
  if (answer.status >= 500 && ![502, 503, 504].includes(answer.status)) phase.bad5xx[`${kind} ${answer.status}`] = (phase.bad5xx[`${kind} ${answer.status}`] ?? 0) + 1
}

/** Runs the mix with `concurrency` loops until `stop()` is called. */
export function load(a: Actors, phase: Phase, phaseIndex: number, concurrency = 8) {
  let running = true
  let i = 0
  const loops = Array.from({ length: concurrency }, async () => {
    while (running) await step(a, phase, phaseIndex, i++)
  })
  return async () => {
    running = false
    await Promise.all(loops)
  }
}
