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
import { type Clock, type Logger, parseWith, silentLogger, sleep, systemClock } from '../shared/index.js'
import { type ApprovalStatus, approverProblem, settleApproval } from './approval-state.js'
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
  /** Warned when entries are skipped because their body does not match its schema. */
  logger?: Pick<Logger, 'warn'>
  texts?: FreeTextScrubber
}): ApprovalDesk {
  const { ledger, texts } = options
  const chain = options.chain ?? 'default'
  const clock = options.clock ?? systemClock
  const logger = options.logger ?? silentLogger

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
    await ledger.append({
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
    async waitFor(approvalId, pollMs, signal) {
      for (;;) {
        const current = await status(approvalId)
        if (!current) throw new ApprovalError('APPROVAL_NOT_FOUND', `no approval request ${approvalId}`)
        if (current.state === 'expired') {
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
        }
        if (current.state !== 'pending' || signal?.aborted) return current
        await sleep(pollMs, signal)
      }
    },
  }
}
