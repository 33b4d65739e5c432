/**
 * Resolves after `ms`, or at once when `signal` aborts (never rejects), so polling loops stop
 * promptly on shutdown.
 *
 * @example
 * while (!signal.aborted && !(await isSettled())) await sleep(500, signal)
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const wake = () => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', wake)
      resolve()
    }
    const timer = setTimeout(wake, ms)
    signal?.addEventListener('abort', wake, { once: true })
  })
}
