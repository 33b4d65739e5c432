import { z } from 'zod'
import { type Caller, callerBodySchema, callerField } from './caller.js'
import { idField, loose, timeField } from './fields.js'

/**
 * A person acting on an approval request, with the roles the caller vouches for. Strict: this is
 * what an approver hands in; inside bodies it is read loosely.
 */
export const approverSchema = z
  .object({ id: z.string().min(1).max(256), roles: z.array(z.string().min(1).max(128)).max(64) })
  .strict()
export type Approver = z.infer<typeof approverSchema>

const recordedApprover = loose(approverSchema)

const approvalRequestShape = {
  decision_id: idField,
  approval_id: idField,
  roles: z.array(z.string().min(1)).min(1),
  count: z.number().int().min(1),
  requested_by: z.string().min(1),
  expires_at: timeField,
  caller: callerBodySchema.optional(),
}

/** Body of an `approval_request` entry, read from the ledger: unknown members are kept. */
export const approvalRequestBodySchema = z.looseObject(approvalRequestShape)

/** Body of an `approval_request` entry: a `require_approval` decision waits for approvers. */
export type ApprovalRequestBody = z.infer<z.ZodObject<typeof approvalRequestShape>>

const approvalShape = {
  decision_id: idField,
  approval_id: idField,
  verdict: z.enum(['approve', 'deny', 'timeout']),
  approver: recordedApprover.optional(),
  comment: z.string().optional(),
  caller: callerBodySchema.optional(),
}

/** Body of an `approval` entry (a vote, or the timeout), read from the ledger: unknown members are kept. */
export const approvalBodySchema = z.looseObject(approvalShape)

/** Body of an `approval` entry: `approve` / `deny` by an approver, or `timeout` (no approver). */
export type ApprovalBody = z.infer<z.ZodObject<typeof approvalShape>>

const approvalRefusedShape = {
  decision_id: idField,
  approval_id: idField,
  approver: recordedApprover,
  reason: z.string().min(1),
  caller: callerBodySchema.optional(),
}

/** Body of an `approval_refused` entry, read from the ledger: unknown members are kept. */
export const approvalRefusedBodySchema = z.looseObject(approvalRefusedShape)

/** Body of an `approval_refused` entry: an attempt the four-eyes rules turned away, kept as evidence. */
export type ApprovalRefusedBody = z.infer<z.ZodObject<typeof approvalRefusedShape>>

/**
 * Builds the body of an `approval_request` entry.
 *
 * @example
 * toApprovalRequestBody({ decisionId: 'd1', approvalId: 'a1', approval: { roles: ['payments_officer'], count: 1 },
 *   requestedBy: 'emp-204', expiresAt: new Date(Date.now() + 300_000) })
 */
export function toApprovalRequestBody(args: {
  decisionId: string
  approvalId: string
  approval: { readonly roles: readonly string[]; readonly count: number }
  requestedBy: string
  expiresAt: Date
  /** The API key that filed the request (HTTP); absent for in-process calls. */
  caller?: Caller
}): ApprovalRequestBody {
  return {
    decision_id: args.decisionId,
    approval_id: args.approvalId,
    roles: [...args.approval.roles],
    count: args.approval.count,
    requested_by: args.requestedBy,
    expires_at: args.expiresAt.toISOString(),
    ...callerField(args.caller),
  }
}

/**
 * Builds the body of an `approval` entry: a vote by `approver`, or (without one) the timeout.
 *
 * @example
 * toApprovalBody({ decisionId: 'd1', approvalId: 'a1', verdict: 'approve', approver: { id: 'emp-317', roles: ['payments_officer'] } })
 * toApprovalBody({ decisionId: 'd1', approvalId: 'a1', verdict: 'timeout' })
 */
export function toApprovalBody(
  args: { decisionId: string; approvalId: string } & (
    | { verdict: 'approve' | 'deny'; approver: Approver; comment?: string; caller?: Caller }
    | { verdict: 'timeout' }
  ),
): ApprovalBody {
  const base = { decision_id: args.decisionId, approval_id: args.approvalId }
  if (args.verdict === 'timeout') return { ...base, verdict: 'timeout' }
  return {
    ...base,
    verdict: args.verdict,
    approver: args.approver,
    ...(args.comment ? { comment: args.comment } : {}),
    ...callerField(args.caller),
  }
}

/**
 * Builds the body of an `approval_refused` entry.
 *
 * @example
 * toApprovalRefusedBody({ decisionId: 'd1', approvalId: 'a1', approver, reason: 'approver emp-204 requested this call' })
 */
export function toApprovalRefusedBody(args: {
  decisionId: string
  approvalId: string
  approver: Approver
  reason: string
  caller?: Caller
}): ApprovalRefusedBody {
  return {
    decision_id: args.decisionId,
    approval_id: args.approvalId,
    approver: args.approver,
    reason: args.reason,
    ...callerField(args.caller),
  }
}
