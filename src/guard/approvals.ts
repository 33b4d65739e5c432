import {
  type Approver,
  approverSchema,
  type Caller,
  type DecisionBody,
  readEntries,
  readEntry,
  SkippedEntries,
  toApprovalBody,
  toApprovalRefusedBody,
} from '../entries/index.js'
import { type Ledger, type LedgerEntry, LedgerError } from '../ledger/index.js'
import { type Clock, type Logger, parseWith, silentLogger, systemClock } from '../shared/index.js'
import { type ApprovalStatus, approverProblem, settleApproval } from './approval-state.js'
import { createApprovalWatcher } from './approval-watcher.js'
import { ApprovalError } from './errors.js'
import { type FreeTextScrubber, WITHHELD_TEXT } from './free-text.js'

/** A request still waiting for approvers, with the (redacted) decision it is about. */
export interface PendingApproval extends ApprovalStatus {
  /** Body of the `decision` entry: tool, redacted arguments, reasons, bundle (null if missing or unreadable). */
  readonly decision: DecisionBody | null
}

/** Human approvals for `require_approval` decisions. All state lives in the ledger. */
export interface ApprovalDesk {
  /**
   * Records an approval. Works from any process that shares the ledger: the waiting guard polls it.
   * `caller` is the API key acting (HTTP): it is recorded, and the key that filed the request (or any
   * key of the identity that filed it) is refused.
   * @throws {ApprovalError} APPROVAL_NOT_FOUND, APPROVAL_CLOSED, APPROVAL_FORBIDDEN (self-approval, missing role, repeat).
   */
  approve(approvalId: string, approver: Approver, comment?: string, caller?: Caller): Promise<ApprovalStatus>
  /** Records a denial; the waiting call is denied. Same rules and errors as {@link approve}. */
  deny(approvalId: string, approver: Approver, comment?: string, caller?: Caller): Promise<ApprovalStatus>
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
  /** Warned when entries are skipped because their body does not match its schema. */
  logger?: Pick<Logger, 'warn'>
  texts?: FreeTextScrubber
  /** How often the desk's one poller reads new approvals from the ledger. Default 500 ms. */
  pollMs?: number
}): ApprovalDesk {
  const { ledger, texts } = options
  const chain = options.chain ?? 'default'
  const clock = options.clock ?? systemClock
  const logger = options.logger ?? silentLogger
  const watcher = createApprovalWatcher({ ledger, chain, clock, pollMs: options.pollMs ?? 500 })

  const load = async (approvalId: string): Promise<LedgerEntry[]> =>
    ledger.findByBodyField('approval_id', approvalId, { chain })

  const settle = (entries: readonly LedgerEntry[]): ApprovalStatus | null => {
    const skipped = new SkippedEntries()
    const settled = settleApproval(entries, clock.now(), skipped)
    skipped.warn(logger, 'approval desk')
    return settled
  }

  const status = async (approvalId: string): Promise<ApprovalStatus | null> => settle(await load(approvalId))

  const act = async (
    verdict: 'approve' | 'deny',
    approvalId: string,
    rawApprover: unknown,
    comment: string | undefined,
    caller: Caller | undefined,
  ): Promise<ApprovalStatus> => {
    const approver = parseWith(approverSchema, rawApprover, 'approver')
    const entries = await load(approvalId)
    const current = settle(entries)
    if (!current) throw new ApprovalError('APPROVAL_NOT_FOUND', `no approval request ${approvalId}`)
    if (current.state !== 'pending')
      throw new ApprovalError('APPROVAL_CLOSED', `approval request ${approvalId} is ${current.state}`)
    const request = readEntry(entries.find((e) => e.type === 'approval_request')!, 'approval_request').body
    const problem =
      approverProblem(request, approver, caller) ??
      (current.approvedBy.some((a) => a.id === approver.id)
        ? `approver ${approver.id} already approved this request`
        : null)
    if (problem) {
      // The refused attempt is itself audit evidence (who tried to approve what).
      await ledger.append({
        chain,
        type: 'approval_refused',
        body: toApprovalRefusedBody({
          decisionId: request.decision_id,
          approvalId,
          approver,
          reason: problem,
          ...(caller ? { caller } : {}),
        }),
      })
      throw new ApprovalError('APPROVAL_FORBIDDEN', problem)
    }
    const stored = !comment
      ? undefined
      : texts
        ? (await texts.scrub([comment], { decisionId: request.decision_id }))[0]
        : WITHHELD_TEXT
    const recorded = await ledger.append({
      chain,
      type: 'approval',
      body: toApprovalBody({
        decisionId: request.decision_id,
        approvalId,
        verdict,
        approver,
        ...(stored ? { comment: stored } : {}),
        ...(caller ? { caller } : {}),
      }),
    })
    // Waiters in this process wake now; those in other processes on their poller's next tick.
    watcher.observe(recorded)
    return (await status(approvalId))!
  }

  return {
    approve: (id, approver, comment, caller) => act('approve', id, approver, comment, caller),
    deny: (id, approver, comment, caller) => act('deny', id, approver, comment, caller),
    status,
    async pending() {
      // Approval requests are few next to all entries: read them by type, not by scanning the chain.
      const skipped = new SkippedEntries()
      const requestIds: string[] = []
      for (const { body } of readEntries(
        await ledger.findByType('approval_request', { chain }),
        'approval_request',
        skipped,
      )) {
        if (Date.parse(body.expires_at) > clock.now().getTime()) requestIds.push(body.approval_id)
      }
      const open: PendingApproval[] = []
      for (const id of requestIds) {
        const current = await status(id)
        if (current?.state !== 'pending') continue
        const decisions = await ledger.findByBodyField('decision_id', current.decisionId, {
          chain,
          type: 'decision',
        })
        const [decision] = readEntries(decisions, 'decision', skipped)
        open.push({ ...current, decision: decision?.body ?? null })
      }
      skipped.warn(logger, 'pending approvals')
      return open
    },
    async unsettled() {
      const skipped = new SkippedEntries()
      const requests = readEntries(
        await ledger.findByType('approval_request', { chain }),
        'approval_request',
        skipped,
      )
      const votes = new Map<string, LedgerEntry[]>()
      for (const vote of readEntries(await ledger.findByType('approval', { chain }), 'approval', skipped))
        votes.set(vote.body.approval_id, [...(votes.get(vote.body.approval_id) ?? []), vote])
      skipped.warn(logger, 'unsettled approvals')
      const now = clock.now()
      const open: ApprovalStatus[] = []
      for (const request of requests) {
        const current = settleApproval([request, ...(votes.get(request.body.approval_id) ?? [])], now)
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
          body: toApprovalBody({ decisionId: current.decisionId, approvalId, verdict: 'timeout' }),
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
