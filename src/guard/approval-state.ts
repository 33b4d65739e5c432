import {
  type ApprovalRequestBody,
  type Approver,
  readEntries,
  readEntry,
  SkippedEntries,
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
  readonly requestedBy: string
  readonly expiresAt: string
  /** Distinct approvers whose approval counts (right role, not the requester). */
  readonly approvedBy: readonly Approver[]
  /** Set when denied: who denied and why. */
  readonly deniedBy?: { approver: Approver; comment?: string }
}

/**
 * Why `approver` may not act on `request`, or null when they may. Four eyes: the requester never
 * approves their own call, and the approver must hold one of the required roles.
 */
export function approverProblem(request: ApprovalRequestBody, approver: Approver): string | null {
  if (approver.id === request.requested_by)
    return `approver ${approver.id} requested this call and cannot approve it (four-eyes rule)`
  if (!approver.roles.some((role) => request.roles.includes(role)))
    return `approver ${approver.id} holds none of the required roles (${request.roles.join(', ')})`
  return null
}

/**
 * Folds an approval request and its approval entries into a status. Approvals that break the
 * four-eyes rule are ignored even if something wrote them to the ledger; so are approvals whose body
 * does not match its schema (noted in `skipped`).
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
    if (body.verdict === 'timeout') timedOut = true
    if (!body.approver || approverProblem(request, body.approver)) continue
    if (body.verdict === 'deny' && !deniedBy)
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
    expiresAt: request.expires_at,
    approvedBy: [...approved.values()],
    ...(deniedBy ? { deniedBy } : {}),
  }
}
