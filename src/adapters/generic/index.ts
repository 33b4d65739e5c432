/**
 * The generic adapter: any async or sync function becomes a guarded tool with `guard.wrap`.
 *
 * ```ts
 * const guarded = guard.wrap('payments.transfer', transfer, {
 *   context: (args) => ({ agent, principal: lookupPrincipal(args), session }),
 * })
 * await guarded({ amount: 100, currency: 'EUR', to: 'DE89…' }) // throws ToolDeniedError when denied
 * ```
 *
 * `wrapTool` is the same as `guard.wrap`, as a free function for code that prefers it.
 */
import type { Guard, WrapMeta } from '../../guard/index.js'

/**
 * Returns `run` guarded by `guard`: every call is decided, recorded, and only then run.
 *
 * @throws {ToolDeniedError} TOOL_DENIED when policy (or an approver) said no.
 * @example
 * const getBalance = wrapTool(guard, 'accounts.get_balance', fetchBalance, { context })
 */
export function wrapTool<P extends unknown[], R>(
  guard: Guard,
  toolName: string,
  run: (...args: P) => R | Promise<R>,
  meta: WrapMeta<P>,
): (...args: P) => Promise<Awaited<R>> {
  return guard.wrap(toolName, run, meta)
}

export type { CallContext, WrapMeta } from '../../guard/index.js'
