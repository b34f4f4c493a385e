/** Where the outbox relay sends events. */
export interface EventSink {
  /** Resolves once the event is durably handed over (for AMQP: confirmed by the broker); rejects otherwise. */
  publish(exchange: string, routingKey: string, event: Record<string, unknown>): Promise<void>
  /**
   * Optional: hands the event over (in call order) and returns how to await its confirmation, so a batch is sent
   * in order and confirmed in one round trip instead of one per event. Rejects when it cannot send.
   */
  send?(exchange: string, routingKey: string, event: Record<string, unknown>): Promise<() => Promise<void>>
  /**
   * Optional: connects ahead of a batch, so the relay holds no row locks (nor, on PGlite, the
   * whole database) while it waits on a broker that is away. Rejects when it cannot connect.
   */
  ready?(): Promise<void>
  close(): Promise<void>
  readonly kind: 'amqp' | 'file' | 'none'
}
