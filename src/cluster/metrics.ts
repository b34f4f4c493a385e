import cluster from 'node:cluster'
import { AggregatorRegistry, type Registry } from 'prom-client'
import { METRICS_REPLY, METRICS_REQUEST, isMessage, type MetricsReply, type MetricsRequest } from './messages.ts'

/**
 * What `/metrics` answers. One process: its registry. A worker (BARONG_WORKERS > 1): all workers' registries
 * aggregated by the primary, since a scrape reaches one worker at random through the shared socket and one
 * worker's counters alone would look like lost traffic. Null when the primary cannot gather them (the scrape
 * then fails rather than report part of the host as all of it).
 */
export function metricsReader(registry: Registry): () => Promise<string | null> {
  if (!cluster.isWorker) return () => registry.metrics()
  // Constructing one adds prom-client's worker-side listener, which answers the primary with these registries.
  AggregatorRegistry.setRegistries([registry])
  new AggregatorRegistry()
  const pending = new Map<number, (text: string | null) => void>()
  let seq = 0
  process.on('message', (m: unknown) => {
    if (!isMessage<MetricsReply>(m, METRICS_REPLY)) return
    pending.get(m.id)?.(m.text)
    pending.delete(m.id)
  })
  return () =>
    new Promise((resolve) => {
      const id = ++seq
      const timer = setTimeout(() => {
        pending.delete(id)
        resolve(null)
      }, 6000)
      pending.set(id, (text) => {
        clearTimeout(timer)
        resolve(text)
      })
      const request: MetricsRequest = { type: METRICS_REQUEST, id }
      process.send?.(request)
    })
}
