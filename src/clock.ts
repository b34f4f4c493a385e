/** Time as the app sees it: tests drive their own clock, everything else reads this one. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number
}

export const systemClock: Clock = { now: () => Date.now() }
