import { readEntry } from '../entries/index.js'
import type { ApprovalStatus, Caller, CallerBody, Guard } from '../guard/index.js'
import type { LedgerEntry, LedgerQueries } from '../ledger/index.js'
import type { Decision, Reason } from '../policy/index.js'
import type { Logger } from '../shared/index.js'
import { HttpError } from './http-errors.js'

/** The guard as the sidecar API uses it (the real guard fits as is). */
export type SidecarGuard = Pick<
  Guard,
  | 'chain'
  | 'admit'
  | 'decide'
  | 'requestApproval'
  | 'awaitApproval'
  | 'resumeApproval'
  | 'recordOutcome'
  | 'approvals'
>

/** What the decision API answers, for POST and GET alike. */
export interface DecisionView {
  readonly decision_id: string
  readonly status: 'allowed' | 'denied' | 'pending' | 'approved' | 'rejected'
  readonly decision: Decision
  readonly reasons: Reason[]
  readonly bundle: { revision: string; sha256: string }
  readonly approval?: { approval_id: string; roles: string[]; count: number }
  readonly entry: { chain: string; seq: number }
  /** The API key that asked (absent for decisions taken in-process). */
  readonly caller?: CallerBody
}

export interface SidecarDecisions {
  /** Decides, records durably, and for `require_approval` opens the approval request; never waits for it. */
  decide(input: unknown, caller?: Caller): Promise<DecisionView>
  /** Current view of a decision; waits up to `waitMs` while it is pending. */
  view(decisionId: string, waitMs: number, signal?: AbortSignal): Promise<DecisionView>
  /** Stops background approval waiters (server shutdown). */
  close(): void
}

const statusOfApproval: Record<ApprovalStatus['state'], DecisionView['status']> = {
  pending: 'pending',
  approved: 'approved',
  denied: 'rejected',
  timed_out: 'rejected',
  expired: 'rejected',
}

/**
 * The view of a decision entry before any approval: `allowed`, `denied` or (approval) `pending`.
 * @throws {EntryBodyError} ENTRY_BODY_INVALID when the stored body does not match its schema.
 */
function viewOfEntry(decisionId: string, entry: LedgerEntry): DecisionView {
  const { body } = readEntry(entry, 'decision')
  const decision: Decision = {
    action: body.action,
    reasons: body.reasons,
    ...(body.approval ? { approval: body.approval } : {}),
  }
  const status =
    body.action === 'allow' ? 'allowed' : body.action === 'require_approval' ? 'pending' : 'denied'
  return {
    decision_id: decisionId,
    status,
    decision,
    reasons: body.reasons,
    bundle: { revision: body.bundle.revision, sha256: body.bundle.sha256 },
    entry: { chain: entry.chain, seq: entry.seq },
    ...(body.caller ? { caller: body.caller } : {}),
  }
}

/**
 * The decision API for agents out of process (Python, Java, …): same guard, same ledger entries
 * as in-process calls, but `require_approval` answers at once and the caller polls. The approval
 * request body and the timeout/not-run entries follow the guard's conventions, so the approval
 * desk, the UI and `outcomes --unknown` read them the same way.
 *
 * @throws {HttpError} DECISION_NOT_FOUND from `view` for an unknown id.
 * @throws {EntryBodyError} ENTRY_BODY_INVALID when the stored decision or request body does not match its schema.
 * @example
 * const sidecar = createSidecarDecisions({ guard, queries, logger })
 * const view = await sidecar.decide(toolCallInput) // { decision_id, status: 'pending', ... }
 */
export function createSidecarDecisions(options: {
  guard: SidecarGuard
  queries: LedgerQueries
  logger: Logger
}): SidecarDecisions {
  const { guard, queries, logger } = options
  const stop = new AbortController()

  async function load(decisionId: string): Promise<DecisionView> {
    const linked = await queries.linkedEntries(decisionId, guard.chain)
    const entry = linked.find((e) => e.type === 'decision')
    if (!entry) throw new HttpError('DECISION_NOT_FOUND', `no decision ${decisionId}`)
    const base = viewOfEntry(decisionId, entry)
    if (base.decision.action !== 'require_approval') return base
    const request = linked.find((e) => e.type === 'approval_request')
    const approvalId = request ? readEntry(request, 'approval_request').body.approval_id : null
    const status = approvalId ? await guard.approvals.status(approvalId) : null
    return {
      ...base,
      status: status ? statusOfApproval[status.state] : 'pending',
      ...(status
        ? { approval: { approval_id: status.approvalId, roles: [...status.roles], count: status.count } }
        : {}),
    }
  }

  const waiterFailed = (decisionId: string) => (error: unknown) => {
    if (stop.signal.aborted) return
    logger.error({ decisionId, err: error }, 'approval waiter failed; status stays in the ledger')
  }

  // Requests opened before this process started (a restart, or another instance that went away) still
  // get their timeout and "not run" entries, also when they expired while no server ran; the guard
  // writes each once.
  void guard.approvals
    .unsettled()
    .then((open) => {
      for (const request of open)
        guard.resumeApproval(request.decisionId, stop.signal).catch(waiterFailed(request.decisionId))
    })
    .catch(waiterFailed('(pending approvals)'))

  return {
    async decide(input, caller) {
      const recorded = await guard.decide(input, caller ? { caller } : {})
      const { decision, decisionId } = recorded
      // The answer is built from the entry just committed (its stored body), not read back.
      const view = viewOfEntry(decisionId, recorded.entry)
      if (decision.action !== 'require_approval') return view
      const approvalId = await guard.requestApproval(recorded)
      // The guard's own waiter records the timeout and the "not run" outcome; the caller polls.
      guard.awaitApproval(recorded, approvalId, stop.signal).catch(waiterFailed(decisionId))
      const { roles, count } = decision.approval ?? { roles: [], count: 1 }
      return { ...view, approval: { approval_id: approvalId, roles: [...roles], count } }
    },

    async view(decisionId, waitMs, signal) {
      const current = await load(decisionId)
      if (current.status !== 'pending' || !current.approval || waitMs <= 0) return current
      // Long poll: wait on the desk's one shared poller (no database read per waiter), then read once.
      const signals = [stop.signal, AbortSignal.timeout(waitMs), ...(signal ? [signal] : [])]
      await guard.approvals.settled(current.approval.approval_id, AbortSignal.any(signals))
      return load(decisionId)
    },

    close() {
      stop.abort()
    },
  }
}
