import { vi } from 'vitest'

/**
 * Retries `check` until it returns without throwing, and resolves with what it returned: a polling
 * assertion instead of a sleep. The default deadline is long because the suites share a loaded machine;
 * a passing check returns at once, so only a failing test waits it out.
 *
 * @example
 * const id = await eventually(async () => defined((await desk.pending())[0], 'an approval request').approvalId)
 */
export function eventually<T>(
  check: () => T | Promise<T>,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  return vi.waitFor(check, { timeout: options.timeoutMs ?? 30_000, interval: options.intervalMs ?? 10 })
}

/** `value` when it is there; throws (so {@link eventually} tries again) while it is not. */
export function defined<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw new Error(`still waiting for ${what}`)
  return value
}
