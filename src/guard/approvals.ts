import type { Ledger, LedgerEntry } from '../ledger/index.js'
import { type Clock, parseWith, sleep, systemClock } from '../shared/index.js'
import {
  type ApprovalStatus,
  type Approver,
  approvalRequestBodySchema,
  approverProblem,
  approverSchema,
  settleApproval,
} from './approval-state.js'
import { ApprovalError } from './errors.js'
import { type FreeTextScrubber, WITHHELD_TEXT } from './free-text.js'

/** A request still waiting for approvers, with the (redacted) decision it is about. */
export interface PendingApproval extends ApprovalStatus {
  /** Body of the `decision` entry: tool, redacted arguments, reasons, bundle. */
  readonly decision: Record<string, unknown> | null
}

/** Human approvals for `require_approval` decisions. All state lives in the ledger. */
export interface ApprovalDesk {
  /**
   * Records an approval. Works from any process that shares the ledger: the waiting guard polls it.
   * @throws {ApprovalError} APPROVAL_NOT_FOUND, APPROVAL_CLOSED, APPROVAL_FORBIDDEN (self-approval, missing role, repeat).
   */
  approve(approvalId: string, approver: Approver, comment?: string): Promise<ApprovalStatus>
  /** Records a denial; the waiting call is denied. Same rules and errors as {@link approve}. */
  deny(approvalId: string, approver: Approver, comment?: string): Promise<ApprovalStatus>
  /** Current state of one request, or null if unknown. */
  status(approvalId: string): Promise<ApprovalStatus | null>
  /** Every request on the chain still open for approvers (derived from the ledger). */
  pending(): Promise<PendingApproval[]>
  /**
   * Waits until the request is settled; records a `timeout` entry when it expires. When `signal`
   * aborts, returns the still-pending status without writing anything. @internal
   */
  waitFor(approvalId: string, pollMs: number, signal?: AbortSignal): Promise<ApprovalStatus>
}

/**
 * Creates the approval desk for one ledger chain. The guard builds one; a server that only approves
 * (no policy) can build its own on the same ledger. Comments are free text that ends up in the
 * ledger: `texts` (the guard's, or `createFreeTextScrubber`) checks them; without it a comment is
 * withheld (stored as `[withheld: …]`), never stored unchecked.
 *
 * @example
 * const desk = createApprovalDesk({ ledger, chain: 'default', texts: createFreeTextScrubber({ policy, ledger, redactionKey }) })
 * await desk.approve(approvalId, { id: 'officer-2', roles: ['payments_officer'] }, 'checked invoice')
 */
export function createApprovalDesk(options: {
  ledger: Ledger
  chain?: string
  clock?: Clock
  texts?: FreeTextScrubber
}): ApprovalDesk {
  const { ledger, texts } = options
  const chain = options.chain ?? 'default'
  const clock = options.clock ?? systemClock

  const load = async (approvalId: string): Promise<LedgerEntry[]> =>
    ledger.findByBodyField('approval_id', approvalId, { chain })

  const status = async (approvalId: string): Promise<ApprovalStatus | null> =>
    settleApproval(await load(approvalId), clock.now())

  const act = async (
    verdict: 'approve' | 'deny',
    approvalId: string,
    rawApprover: unknown,
    comment: string | undefined,
  ): Promise<ApprovalStatus> => {
    const approver = parseWith(approverSchema, rawApprover, 'approver')
    const entries = await load(approvalId)
    const current = settleApproval(entries, clock.now())
    if (!current) throw new ApprovalError('APPROVAL_NOT_FOUND', `no approval request ${approvalId}`)
    if (current.state !== 'pending')
      throw new ApprovalError('APPROVAL_CLOSED', `approval request ${approvalId} is ${current.state}`)
    const request = approvalRequestBodySchema.parse(entries.find((e) => e.type === 'approval_request')!.body)
    const problem =
      approverProblem(request, approver) ??
      (current.approvedBy.some((a) => a.id === approver.id)
        ? `approver ${approver.id} already approved this request`
        : null)
    if (problem) {
      // The refused attempt is itself audit evidence (who tried to approve what).
      await ledger.append({
        chain,
        type: 'approval_refused',
        body: { decision_id: request.decision_id, approval_id: approvalId, approver, reason: problem },
      })
      throw new ApprovalError('APPROVAL_FORBIDDEN', problem)
    }
    const stored = !comment
      ? undefined
      : texts
        ? (await texts.scrub([comment], { decisionId: request.decision_id }))[0]
        : WITHHELD_TEXT
    await ledger.append({
      chain,
      type: 'approval',
      body: {
        decision_id: request.decision_id,
        approval_id: approvalId,
        verdict,
        approver,
        ...(stored ? { comment: stored } : {}),
      },
    })
    return (await status(approvalId))!
  }

  return {
    approve: (id, approver, comment) => act('approve', id, approver, comment),
    deny: (id, approver, comment) => act('deny', id, approver, comment),
    status,
    async pending() {
      // Approval requests are few next to all entries: read them by type, not by scanning the chain.
      const requestIds: string[] = []
      for (const entry of await ledger.findByType('approval_request', { chain })) {
        const parsed = approvalRequestBodySchema.safeParse(entry.body)
        if (parsed.success && Date.parse(parsed.data.expires_at) > clock.now().getTime())
          requestIds.push(parsed.data.approval_id)
      }
      const open: PendingApproval[] = []
      for (const id of requestIds) {
        const current = await status(id)
        if (current?.state !== 'pending') continue
        const [decision] = await ledger.findByBodyField('decision_id', current.decisionId, {
          chain,
          type: 'decision',
        })
        open.push({ ...current, decision: decision?.body ?? null })
      }
      return open
    },
    async waitFor(approvalId, pollMs, signal) {
      for (;;) {
        const current = await status(approvalId)
        if (!current) throw new ApprovalError('APPROVAL_NOT_FOUND', `no approval request ${approvalId}`)
        if (current.state === 'expired') {
          await ledger.append({
            chain,
            type: 'approval',
            body: { decision_id: current.decisionId, approval_id: approvalId, verdict: 'timeout' },
          })
          return { ...current, state: 'timed_out' }
        }
        if (current.state !== 'pending' || signal?.aborted) return current
        await sleep(pollMs, signal)
      }
    },
  }
}
