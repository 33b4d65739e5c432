import type { DecisionAction, Guard, OutcomeBody, Reason } from '../../guard/index.js'

/** A decision about one vendor event, as this session guard uses it. */
export interface Verdict {
  readonly decisionId: string
  /**
   * `allow`, `deny`, or (recorded, not yet settled) `require_approval`; `unknown` when the guard could
   * not decide an observed call (nothing recorded).
   */
  readonly action: DecisionAction | 'unknown'
  readonly reasons: readonly Reason[]
}

/** A verdict and who recorded it: this session guard (`mine`), or another process / an earlier run. */
export interface Known {
  readonly verdict: Verdict
  readonly mine: boolean
}

/** An `outcome` entry read back for a custom tool use (what a process that stopped had recorded). */
export interface RecordedOutcome {
  readonly status: OutcomeBody['status']
  /** Present only when the guard stores results (`recordResults`). */
  readonly result?: unknown
  readonly error?: string
}

/**
 * The decisions of one session by vendor event id: memory first, then the ledger. The ledger holds at
 * most one decision per event (a unique index), so whatever is read back is the decision for it.
 */
export class RecordedVerdicts {
  private readonly known = new Map<string, Known>()

  constructor(
    private readonly guard: Guard,
    private readonly sessionId: string,
  ) {}

  /** Keeps a verdict this session guard recorded (or read back) for later replays of the event. */
  remember(eventId: string, verdict: Verdict, mine: boolean): Known {
    const known = { verdict, mine }
    this.known.set(eventId, known)
    return known
  }

  /** The decision recorded for `eventId` in this session, if any (not settled: see {@link settle}). */
  async find(eventId: string): Promise<Known | undefined> {
    const cached = this.known.get(eventId)
    if (cached) return cached
    // Event ids are unique per vendor, but only a decision for this session counts. The guard returns
    // only bodies that match the decision schema.
    const bodies = await this.guard.findByEvent(eventId, 'decision')
    const body = bodies.find((b) => b.input.session.id === this.sessionId)
    if (!body) return undefined
    return this.remember(
      eventId,
      { decisionId: body.decision_id, action: body.action, reasons: body.reasons },
      false,
    )
  }

  /**
   * `allow` or `deny` for a recorded verdict: a `require_approval` decision waits for its approval
   * request like the process that recorded it would (denied when no request was ever written).
   */
  async settle(verdict: Verdict, signal?: AbortSignal): Promise<'allow' | 'deny'> {
    if (verdict.action === 'allow' || verdict.action === 'deny') return verdict.action
    if (verdict.action !== 'require_approval') return 'deny'
    return this.guard.resumeApproval(verdict.decisionId, signal)
  }

  /** The `outcome` recorded for a custom tool use (its event id and decision), if any. */
  async outcome(eventId: string, decisionId: string): Promise<RecordedOutcome | undefined> {
    const bodies = await this.guard.findByEvent(eventId, 'outcome')
    const body = bodies.find((b) => b.decision_id === decisionId)
    if (!body) return undefined
    const { status, result, error } = body
    return { status, ...(result !== undefined ? { result } : {}), ...(error !== undefined ? { error } : {}) }
  }

  /** Whether a `conflict` entry exists for the event (recorded here or by another process). */
  async hasConflict(eventId: string): Promise<boolean> {
    return (await this.guard.findByEvent(eventId, 'conflict')).length > 0
  }
}
