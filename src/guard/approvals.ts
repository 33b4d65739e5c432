import { type Ledger, type LedgerEntry, LedgerError } from '../ledger/index.js'
import { type Clock, parseWith, systemClock } from '../shared/index.js'
import {
  type ApprovalStatus,
  type Approver,
  approvalRequestBodySchema,
  approverProblem,
  approverSchema,
  settleApproval,
} from './approval-state.js'
import { createApprovalWatcher } from './approval-watcher.js'
import { ApprovalError } from './errors.js'

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
   * Every request on the chain nobody has settled: still pending, or expired without a recorded
   * timeout (its waiter went away). Two reads, whatever the number of requests.
   */
  unsettled(): Promise<ApprovalStatus[]>
  /**
   * Waits until the request is settled; records a `timeout` entry when it expires. When `signal`
   * aborts, returns the still-pending status without writing anything. @internal
   */
  waitFor(approvalId: string, signal?: AbortSignal): Promise<ApprovalStatus>
  /**
   * Waits until the request is no longer pending (or `signal` aborts) and returns its status, null
   * for an unknown request; writes nothing. Every waiter of the desk shares one poller.
   */
  settled(approvalId: string, signal?: AbortSignal): Promise<ApprovalStatus | null>
  /** How many approval requests this process is waiting on right now (no database read). */
  waiting(): number
}

/**
 * Creates the approval desk for one ledger chain. The guard builds one; a server that only approves
 * (no policy) can build its own on the same ledger.
 *
 * @example
 * const desk = createApprovalDesk({ ledger, chain: 'default' })
 * await desk.approve(approvalId, { id: 'officer-2', roles: ['payments_officer'] }, 'checked invoice')
 */
export function createApprovalDesk(options: {
  ledger: Ledger
  chain?: string
  clock?: Clock
  /** How often the desk's one poller reads new approvals from the ledger. Default 500 ms. */
  pollMs?: number
}): ApprovalDesk {
  const { ledger } = options
  const chain = options.chain ?? 'default'
  const clock = options.clock ?? systemClock
  const watcher = createApprovalWatcher({ ledger, chain, clock, pollMs: options.pollMs ?? 500 })

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
    const recorded = await ledger.append({
      chain,
      type: 'approval',
      body: {
        decision_id: request.decision_id,
        approval_id: approvalId,
        verdict,
        approver,
        ...(comment ? { comment } : {}),
      },
    })
    // Waiters in this process wake now; those in other processes on their poller's next tick.
    watcher.observe(recorded)
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
    async unsettled() {
      const requests = await ledger.findByType('approval_request', { chain })
      const votes = new Map<string, LedgerEntry[]>()
      for (const vote of await ledger.findByType('approval', { chain })) {
        const id = String(vote.body.approval_id)
        votes.set(id, [...(votes.get(id) ?? []), vote])
      }
      const now = clock.now()
      const open: ApprovalStatus[] = []
      for (const request of requests) {
        const parsed = approvalRequestBodySchema.safeParse(request.body)
        if (!parsed.success) continue
        const current = settleApproval([request, ...(votes.get(parsed.data.approval_id) ?? [])], now)
        if (current?.state === 'pending' || current?.state === 'expired') open.push(current)
      }
      return open
    },
    async waitFor(approvalId, signal) {
      const current = await watcher.settled(approvalId, signal)
      if (!current) throw new ApprovalError('APPROVAL_NOT_FOUND', `no approval request ${approvalId}`)
      if (current.state !== 'expired') return current
      try {
        await ledger.append({
          chain,
          type: 'approval',
          body: { decision_id: current.decisionId, approval_id: approvalId, verdict: 'timeout' },
        })
      } catch (error) {
        // Another waiter recorded the timeout first: the database keeps one (migration 0101).
        if (!(error instanceof LedgerError && error.code === 'LEDGER_DUPLICATE')) throw error
      }
      return { ...current, state: 'timed_out' }
    },
    settled: (approvalId, signal) => watcher.settled(approvalId, signal),
    waiting: () => watcher.waiting,
  }
}
