/** Source of the current time; injected so ledger timestamps and policy `context.time` are testable. */
export interface Clock {
  now(): Date
}

/** The wall clock. */
export const systemClock: Clock = { now: () => new Date() }

/** A clock that returns a set time until moved; for tests and re-evaluation of past decisions. */
export class FixedClock implements Clock {
  constructor(private current: Date) {}
  now(): Date {
    return new Date(this.current.getTime())
  }
  set(at: Date): void {
    this.current = at
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms)
  }
}

/** RFC 3339 UTC with milliseconds and `Z`, as the ledger format requires (`2026-11-23T19:40:01.123Z`). */
export function toRfc3339Millis(at: Date): string {
  return at.toISOString()
}
