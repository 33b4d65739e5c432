import type { Logger } from '../../shared/index.js'
import type { Answers, Tally } from './answers.js'
import type { RecordedVerdicts, Verdict } from './recorded.js'
import type { SessionGuardOptions } from './session-guard.types.js'
import type { Takeovers } from './takeovers.js'

/** What the event handlers of one session guard share. */
export interface SessionContext {
  readonly options: SessionGuardOptions
  readonly logger: Logger
  readonly tally: Tally
  readonly answers: Answers
  readonly verdicts: RecordedVerdicts
  readonly takeovers: Takeovers
}

/**
 * Whether the event still belongs to the session's current turn: false for events of a turn that had
 * already ended when they were read (catch-up of old history), and once the turn they belong to ends.
 */
export type IsLive = () => boolean

/** Calls `onDecision` for a decision this session guard recorded. */
export function reportDecision(
  options: SessionGuardOptions,
  eventId: string,
  verdict: Verdict,
  tool: string,
  via: 'confirmation' | 'custom_tool' | 'observed',
): void {
  if (!verdict.decisionId) return
  options.onDecision?.({
    eventId,
    decisionId: verdict.decisionId,
    tool,
    via,
    verdict: verdict.action === 'allow' ? 'allow' : 'deny',
    reasons: verdict.reasons,
  })
}
