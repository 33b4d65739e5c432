import {
  type ApprovalRequestBody,
  type Approver,
  type Caller,
  readEntries,
  readEntry,
  SkippedEntries,
  toCaller,
} from '../entries/index.js'
import type { LedgerEntry } from '../ledger/index.js'

/** Where an approval request stands, derived from ledger entries only. */
export interface ApprovalStatus {
  readonly approvalId: string
  readonly decisionId: string
  /** `expired`: nobody resolved it in time and no waiter recorded the timeout (e.g. it crashed). */
  readonly state: 'pending' | 'approved' | 'denied' | 'timed_out' | 'expired'
  readonly roles: readonly string[]
  readonly count: number
  /** The principal the call was made for. */
  readonly requestedBy: string
  /** The API key (and its identity) that filed the request; absent for in-process calls. */
  readonly caller?: Caller
  readonly expiresAt: string
  /** Distinct approvers whose approval counts (right role, not the requester). */
  readonly approvedBy: readonly Approver[]
  /** Set when denied: who denied and why. */
  readonly deniedBy?: { approver: Approver; comment?: string }
}

/** Everyone a request or a vote speaks for: the person or agent ids four eyes must keep apart. */
function identitiesOf(personId: string, caller: Caller | undefined): string[] {
  return [...new Set([personId, ...(caller ? [caller.identity, caller.principalId] : [])])]
}

/**
 * Why `approver` may not act on `request`, or null when they may. Four eyes: nobody approves a call
 * they asked for. The approving identities (the approver's id and, over HTTP, the identity and own
 * principal of their key) must all differ from the principal of the call and from the identity and
 * principal of the key that filed it; the key must not be the one that filed it (admin keys
 * included); and the approver must hold a required role.
 */
export function approverProblem(
  request: ApprovalRequestBody,
  approver: Approver,
  caller?: Caller,
): string | null {
  const filedBy = toCaller(request.caller)
  if (caller && filedBy && caller.keyId === filedBy.keyId)
    return `key ${caller.keyId} filed this request and cannot approve it (four-eyes rule)`
  const requesters = identitiesOf(request.requested_by, filedBy)
  const same = identitiesOf(approver.id, caller).find((id) => requesters.includes(id))
  if (same !== undefined)
    return same === request.requested_by
      ? `approver ${same} requested this call (its principal) and cannot approve it (four-eyes rule)`
      : `approver ${same} filed this request and cannot approve it (four-eyes rule)`
  if (!approver.roles.some((role) => request.roles.includes(role)))
    return `approver ${approver.id} holds none of the required roles (${request.roles.join(', ')})`
  return null
}

/**
 * Folds an approval request and its approval entries (in ledger order) into a status. Approvals that
 * break the four-eyes rules are ignored even if something wrote them to the ledger; so are approvals
 * whose body does not match its schema (noted in `skipped`). The first valid denial, or the approval
 * that reaches the count, settles it: a vote that raced in afterwards cannot turn an approved call
 * (that may already have run) into a denied one, or the reverse.
 *
 * @throws {EntryBodyError} ENTRY_BODY_INVALID when the request itself does not match its schema.
 */
export function settleApproval(
  entries: readonly LedgerEntry[],
  now: Date,
  skipped: SkippedEntries = new SkippedEntries(),
): ApprovalStatus | null {
  const requestEntry = entries.find((e) => e.type === 'approval_request')
  if (!requestEntry) return null
  const request = readEntry(requestEntry, 'approval_request').body
  const approved = new Map<string, Approver>()
  let deniedBy: ApprovalStatus['deniedBy']
  let timedOut = false
  for (const { body } of readEntries(entries, 'approval', skipped)) {
    // Whatever settled the request first (the timeout included) stands.
    if (timedOut || deniedBy !== undefined || approved.size >= request.count) break
    if (body.verdict === 'timeout') {
      timedOut = true
      continue
    }
    if (!body.approver || approverProblem(request, body.approver, toCaller(body.caller))) continue
    if (body.verdict === 'deny')
      deniedBy = { approver: body.approver, ...(body.comment ? { comment: body.comment } : {}) }
    if (body.verdict === 'approve') approved.set(body.approver.id, body.approver)
  }
  const state: ApprovalStatus['state'] = timedOut
    ? 'timed_out'
    : deniedBy
      ? 'denied'
      : approved.size >= request.count
        ? 'approved'
        : now.getTime() >= Date.parse(request.expires_at)
          ? 'expired'
          : 'pending'
  return {
    approvalId: request.approval_id,
    decisionId: request.decision_id,
    state,
    roles: request.roles,
    count: request.count,
    requestedBy: request.requested_by,
    ...(request.caller ? { caller: toCaller(request.caller) } : {}),
    expiresAt: request.expires_at,
    approvedBy: [...approved.values()],
    ...(deniedBy ? { deniedBy } : {}),
  }
}
