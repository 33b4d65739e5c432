import { performance } from 'node:perf_hooks'
import { GuardError, type OutcomeReport, reasonsForModel } from '../../guard/index.js'
import { describeError } from '../../shared/index.js'
import { toText } from '../anthropic-messages/index.js'
import type { CustomToolUseEvent } from './events.js'
import type { RecordedOutcome, Verdict } from './recorded.js'
import { type IsLive, reportDecision, type SessionContext } from './session-context.js'
import type { SessionCustomTool } from './session-guard.types.js'
import { failureText, isAlreadyRecorded, policyNameOf, toToolCallInput } from './tool-input.js'

/** The text (and error flag) sent back as `user.custom_tool_result`, with the decision it answers. */
interface ToolAnswer {
  readonly decisionId: string
  readonly text: string
  readonly isError: boolean
}

/**
 * Runs custom tools here, through the guard, and answers with `user.custom_tool_result`. The outcome
 * entry carries the event id, so an answer lost in a crash is given again from the ledger: the tool
 * never runs twice for one event.
 */
export class CustomToolHandler {
  /** Answers this guard produced, kept so a replay after a failed send repeats them (never re-runs). */
  private readonly produced = new Map<string, ToolAnswer>()

  constructor(private readonly ctx: SessionContext) {}

  async onCustomToolUse(event: CustomToolUseEvent, isLive: IsLive): Promise<void> {
    const { answers, verdicts, options } = this.ctx
    if (answers.answered.has(event.id)) return
    // A custom tool use of a turn that has ended is no longer awaited: it is neither run nor recorded.
    if (!isLive()) return
    const produced = this.produced.get(event.id)
    if (produced) return this.answer(event.id, produced)
    const known = await verdicts.find(event.id)
    if (known) return this.leaveToOwner(event.id, known.verdict)
    const custom = options.customTools?.[event.name]
    const tool = policyNameOf(options, custom?.policyName ?? event.name, 'custom')
    return this.decideAndRun(event, tool, custom)
  }

  private async decideAndRun(
    event: CustomToolUseEvent,
    tool: string,
    custom: SessionCustomTool | undefined,
  ): Promise<void> {
    const { options, tally, verdicts } = this.ctx
    let checked: Awaited<ReturnType<typeof options.guard.check>>
    try {
      checked = await options.guard.check(toToolCallInput(options, tool, 'custom', event), {
        eventId: event.id,
        callId: event.id,
      })
    } catch (error) {
      // The database refused a second decision for this event: another process decided it and runs it.
      const known = isAlreadyRecorded(error) ? await verdicts.find(event.id) : undefined
      if (known) return this.leaveToOwner(event.id, known.verdict)
      // Nothing was recorded or run: not kept, so a replay decides again.
      if (error instanceof GuardError) tally.failures++
      return this.answer(event.id, { decisionId: '', text: failureText(error), isError: true })
    }
    tally.decisions++
    const { decisionId } = checked
    const reasons = checked.kind === 'deny' ? checked.reasons : checked.recorded.decision.reasons
    const verdict: Verdict = { decisionId, action: checked.kind, reasons }
    verdicts.remember(event.id, verdict, true)
    reportDecision(options, event.id, verdict, tool, 'custom_tool')
    if (checked.kind === 'deny')
      return this.finish(event.id, { decisionId, text: reasonsForModel(checked.reasons), isError: true })

    const started = performance.now()
    let report: OutcomeReport
    let answer: ToolAnswer
    try {
      if (!custom) throw new Error(`no local implementation for custom tool ${event.name}`)
      const result = await custom.run(event.input)
      report = { status: 'ok', eventId: event.id, durationMs: performance.now() - started, result }
      answer = { decisionId, text: toText(result), isError: false }
    } catch (error) {
      const message = describeError(error)
      report = { status: 'error', eventId: event.id, durationMs: performance.now() - started, error: message }
      answer = { decisionId, text: `Error: ${message}`, isError: true }
    }
    await this.recordOutcome(decisionId, report)
    return this.finish(event.id, answer)
  }

  // The tool has run: failing now would invite a second run. The decision stays without outcome and
  // `arbiter outcomes --unknown` reports it.
  private async recordOutcome(decisionId: string, report: OutcomeReport): Promise<void> {
    try {
      await this.ctx.options.guard.recordOutcome(decisionId, report)
      this.ctx.tally.outcomes++
    } catch (error) {
      this.ctx.tally.failures++
      this.ctx.logger.error(
        { decisionId, err: describeError(error) },
        'outcome not recorded; decision left as outcome_unknown',
      )
    }
  }

  /**
   * Another process recorded the decision (a second guard on this session, or one that stopped before
   * answering): it owns the run and the answer. If the answer has not come after `takeoverMs`, answer
   * here from what the ledger holds; the tool is not run again.
   */
  private leaveToOwner(eventId: string, verdict: Verdict): void {
    const { answers, takeovers } = this.ctx
    takeovers.schedule(
      eventId,
      'answer',
      () => answers.answered.has(eventId),
      (signal) => this.answerFromLedger(eventId, verdict, signal),
    )
  }

  private async answerFromLedger(eventId: string, verdict: Verdict, signal: AbortSignal): Promise<void> {
    const { answers, verdicts } = this.ctx
    const action = await verdicts.settle(verdict, signal)
    if (answers.answered.has(eventId)) return
    const { decisionId } = verdict
    const answer: ToolAnswer =
      action === 'allow'
        ? { decisionId, ...answerFromOutcome(await verdicts.outcome(eventId, decisionId)) }
        : { decisionId, text: reasonsForModel(verdict.reasons), isError: true }
    await this.answer(eventId, answer)
  }

  private async finish(eventId: string, answer: ToolAnswer): Promise<void> {
    this.produced.set(eventId, answer)
    await this.answer(eventId, answer)
  }

  private async answer(eventId: string, answer: ToolAnswer): Promise<void> {
    const sent = await this.ctx.answers.send(
      {
        type: 'user.custom_tool_result',
        custom_tool_use_id: eventId,
        content: [{ type: 'text', text: answer.text }],
        is_error: answer.isError,
      },
      answer.decisionId,
    )
    if (sent) this.ctx.tally.customToolResults++
  }
}

/** What the agent is told for a custom tool that was allowed before a restart, from its recorded outcome. */
export function answerFromOutcome(outcome: RecordedOutcome | undefined): { text: string; isError: boolean } {
  if (!outcome)
    return {
      text: 'Arbiter: this call was decided before a restart and its outcome is unknown; it was not run again.',
      isError: true,
    }
  if (outcome.status === 'ok')
    return outcome.result !== undefined
      ? { text: toText(outcome.result), isError: false }
      : {
          text: 'Arbiter: this tool already ran (recorded outcome: ok) and was not run again; its result was not kept in the audit ledger, so it cannot be repeated here.',
          isError: false,
        }
  if (outcome.status === 'error')
    return {
      text: `Arbiter: this tool already ran and failed (recorded outcome: error${outcome.error ? `: ${outcome.error}` : ''}); it was not run again.`,
      isError: true,
    }
  return {
    text: `Arbiter: this call was not run again (recorded outcome: ${outcome.status}).`,
    isError: true,
  }
}
