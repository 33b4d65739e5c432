import { z } from 'zod'
import type { LedgerEntry } from '../ledger/index.js'

const approverSchema = z
  .object({ id: z.string().min(1).max(256), roles: z.array(z.string().min(1).max(128)).max(64) })
  .strict()

/** A person acting on an approval request, with the roles the caller vouches for. */
export type Approver = z.infer<typeof approverSchema>

/** `approval_request` body, as read back from the ledger (which the guard does not trust blindly). */
export const approvalRequestBodySchema = z.looseObject({
  decision_id: z.string().min(1),
  approval_id: z.string().min(1),
  roles: z.array(z.string().min(1)).min(1),
  count: z.number().int().min(1),
  requested_by: z.string().min(1),
  expires_at: z.string().min(1),
})
export type ApprovalRequestBody = z.infer<typeof approvalRequestBodySchema>

/** `approval` body, as read back from the ledger. */
export const approvalBodySchema = z.looseObject({
  decision_id: z.string().min(1),
  approval_id: z.string().min(1),
  verdict: z.enum(['approve', 'deny', 'timeout']),
  approver: approverSchema.optional(),
  comment: z.string().optional(),
})
export type ApprovalBody = z.infer<typeof approvalBodySchema>

export { approverSchema }

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
 * four-eyes rule are ignored even if something wrote them to the ledger.
 */
export function settleApproval(entries: readonly LedgerEntry[], now: Date): ApprovalStatus | null {
  const requestEntry = entries.find((e) => e.type === 'approval_request')
  if (!requestEntry) return null
  const request = approvalRequestBodySchema.parse(requestEntry.body)
  const approved = new Map<string, Approver>()
  let deniedBy: ApprovalStatus['deniedBy']
  let timedOut = false
  for (const entry of entries) {
    if (entry.type !== 'approval') continue
    const parsed = approvalBodySchema.safeParse(entry.body)
    if (!parsed.success) continue
    const body = parsed.data
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
