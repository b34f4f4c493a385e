/** The messages between the primary and its workers (BARONG_WORKERS > 1), over node:cluster's IPC channel. */
export const SHUTDOWN = 'barong:shutdown'
export const METRICS_REQUEST = 'barong:metrics'
export const METRICS_REPLY = 'barong:metrics-reply'

export interface MetricsRequest {
  type: typeof METRICS_REQUEST
  id: number
}
export interface MetricsReply {
  type: typeof METRICS_REPLY
  id: number
  /** Every worker's registries summed (or as each metric's aggregator says); null when they did not all answer. */
  text: string | null
}

export const isMessage = <T extends { type: string }>(m: unknown, type: T['type']): m is T =>
  typeof m === 'object' && m !== null && (m as { type?: unknown }).type === type
