import type Anthropic from '@anthropic-ai/sdk'
import { type Guard, toAnswerRejectedBody } from '../../guard/index.js'
import { describeError, type Logger } from '../../shared/index.js'
import { apiErrorFields, isRejectedAnswer } from './api-errors.js'
import type { SessionGuardOptions } from './session-guard.types.js'

type Events = Anthropic.Beta.Sessions.Events.BetaManagedAgentsEventParams
/** What the runtime waits for from the client: a confirmation or a custom tool result. */
export type Answer = Extract<Events, { type: 'user.tool_confirmation' | 'user.custom_tool_result' }>

/** Counters the handlers keep for the run summary. */
export interface Tally {
  decisions: number
  allow: number
  deny: number
  customToolResults: number
  conflicts: number
  outcomes: number
  rejectedAnswers: number
  failures: number
}

/**
 * Sends the session guard's events to the runtime. An answer the runtime refuses for what it is (400
 * "already confirmed" when a person answered in the vendor console first, 409, 422…) does not stop the
 * guard: it is recorded as a `runtime_event` (`answer_rejected`) and the session goes on being guarded.
 * Any other failure is thrown (the session guard retries transient ones and stops on permanent ones).
 */
export class Answers {
  /** Tool uses the runtime no longer waits on (answered by anyone, refused, or never held). */
  readonly answered = new Set<string>()

  constructor(
    private readonly options: SessionGuardOptions,
    private readonly tally: Tally,
    private readonly logger: Logger,
  ) {}

  private get guard(): Guard {
    return this.options.guard
  }

  /** Sends `answer`; false when the runtime refused it (recorded as evidence). */
  async send(answer: Answer, decisionId: string): Promise<boolean> {
    const eventId = answer.type === 'user.tool_confirmation' ? answer.tool_use_id : answer.custom_tool_use_id
    try {
      await this.post(answer)
    } catch (error) {
      if (!isRejectedAnswer(error)) throw error
      const { status, errorType, message, requestId } = apiErrorFields(error)
      this.logger.warn(
        { eventId, status, message },
        'the runtime refused an answer; recorded, still guarding',
      )
      await this.guard.record(
        'runtime_event',
        toAnswerRejectedBody({
          sessionId: this.options.sessionId,
          eventId,
          ...(decisionId ? { decisionId } : {}),
          answer: answer.type,
          ...(answer.type === 'user.tool_confirmation'
            ? { result: answer.result }
            : { isError: answer.is_error ?? false }),
          // isRejectedAnswer only accepts errors that carry an HTTP status.
          status: status ?? 0,
          ...(errorType ? { errorType } : {}),
          message,
          ...(requestId ? { requestId } : {}),
        }),
      )
      this.answered.add(eventId)
      this.tally.rejectedAnswers++
      return false
    }
    this.answered.add(eventId)
    return true
  }

  /** Sends `user.interrupt`; false (logged) when that fails: the conflict is recorded either way. */
  async interrupt(): Promise<boolean> {
    try {
      await this.post({ type: 'user.interrupt' })
      return true
    } catch (error) {
      this.logger.error({ err: describeError(error) }, 'interrupt failed')
      return false
    }
  }

  private async post(event: Events): Promise<void> {
    await this.options.client.beta.sessions.events.send(this.options.sessionId, { events: [event] })
  }
}
