/**
 * The guard split in two for frameworks that ask "does this call need approval?" in one callback and
 * run the tool in another (OpenAI Agents SDK `needsApproval` + `execute`, Vercel AI SDK likewise).
 * Shared by those adapters; not part of the public API.
 *
 * ```
 * approval hook ─▶ needsApproval(call) ─▶ guard.decide (event_id = namespace:session:call[:hmac])
 *                     require_approval ─▶ guard.requestApproval ─▶ true: the framework holds the call
 * person ─▶ answer(call, approve|deny) ─▶ approval desk (four eyes) ─▶ framework approve/reject
 * execute hook ─▶ run(call, fn) ─▶ same decision (memory, else ledger) ─▶ allowed or approved? run + outcome
 * ```
 * @internal
 */

export type { ApprovalState, HeldCall, HeldRun, TwoPhaseGuard, TwoPhaseOptions } from './two-phase.types.js'
export { createTwoPhaseGuard } from './two-phase-guard.js'
