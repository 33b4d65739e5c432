import { reasonsForModel, type ToolCallInput, toConflictBody } from '../../guard/index.js'
import { describeError } from '../../shared/index.js'
import { contentText, type ToolResultEvent, type ToolUseEvent } from './events.js'
import type { Known, Verdict } from './recorded.js'
import { type IsLive, reportDecision, type SessionContext } from './session-context.js'
import { failureText, isAlreadyRecorded, policyNameOf, toToolCallInput } from './tool-input.js'

type Permission = 'allow' | 'ask' | 'deny'

/**
 * Acts on the runtime's own tool uses (`agent.tool_use`, `agent.mcp_tool_use`) and their results.
 * Every act is keyed by the vendor event id. The database keeps one decision and one conflict per event
 * (unique indexes): the process whose decision was stored owns the answer and the conflict; another
 * one reads the stored decision back and only takes over when the owner has not acted after
 * `takeoverMs`. So a replay (reconnect, restart, a second guard) never decides, confirms or interrupts
 * twice.
 */
export class ToolEventHandlers {
  /** Conflicts this guard recorded, or found recorded by another process. */
  private readonly conflicts = new Set<string>()
  /** Tool uses this guard already sent `user.interrupt` for (so a replay does not send it again). */
  private readonly interrupts = new Set<string>()
  private readonly results = new Set<string>()

  constructor(private readonly ctx: SessionContext) {}

  async onToolUse(event: ToolUseEvent, isLive: IsLive): Promise<void> {
    const { options } = this.ctx
    const kind = event.type === 'agent.mcp_tool_use' ? 'mcp' : 'builtin'
    const tool = policyNameOf(options, event.name, kind, event.mcp_server_name)
    const permission = event.evaluated_permission ?? 'allow'
    const input = toToolCallInput(options, tool, kind, event, permission)
    if (permission === 'ask') return this.onHeld(event.id, tool, input, isLive)
    return this.onObserved(event, tool, permission, input, isLive)
  }

  async onToolResult(event: ToolResultEvent, toolUseId: string): Promise<void> {
    const { options, tally, verdicts } = this.ctx
    if (this.results.has(event.id)) return
    const known = await verdicts.find(toolUseId)
    const decisionId = known?.verdict.decisionId
    // The pre-check spares a refused insert on every replay; the unique index (one outcome per
    // decision) is what keeps a racing process from adding a second one.
    if (decisionId && (await options.guard.findByEvent(event.id, 'outcome')).length === 0) {
      const text = contentText(event.content)
      try {
        await options.guard.recordOutcome(decisionId, {
          status: 'runtime_reported',
          eventId: event.id,
          result: event.content ?? [],
          ...(event.is_error ? { error: text || 'the runtime reported an error' } : {}),
        })
        tally.outcomes++
      } catch (error) {
        // Recorded already: by another process, or as `not_run` after a refused approval.
        if (!isAlreadyRecorded(error)) throw error
      }
    }
    this.results.add(event.id)
  }

  /** A tool use the runtime holds for `user.tool_confirmation`. */
  private async onHeld(eventId: string, tool: string, input: ToolCallInput, isLive: IsLive): Promise<void> {
    const { answers, verdicts, takeovers } = this.ctx
    if (answers.answered.has(eventId)) return
    // Held in a turn that has since ended (interrupted): nothing waits for an answer and nothing ran.
    if (!isLive()) return
    const known = (await verdicts.find(eventId)) ?? (await this.decideHeld(eventId, input))
    if (known.mine) return this.confirm(eventId, known.verdict, tool)
    // Decided by another process: it confirms. Answer from its decision only if it has not done so.
    takeovers.schedule(
      eventId,
      'answer',
      () => answers.answered.has(eventId),
      async (signal) => {
        const action = await verdicts.settle(known.verdict, signal)
        if (!answers.answered.has(eventId)) await this.confirm(eventId, { ...known.verdict, action }, tool)
      },
    )
  }

  /** A tool use the runtime allowed or refused on its own: evaluated after the fact. */
  private async onObserved(
    event: ToolUseEvent,
    tool: string,
    permission: Exclude<Permission, 'ask'>,
    input: ToolCallInput,
    isLive: IsLive,
  ): Promise<void> {
    const { answers, verdicts, takeovers, options } = this.ctx
    answers.answered.add(event.id)
    const found = await verdicts.find(event.id)
    const known = found ?? (await this.decideObserved(event.id, input))
    if (!found && known.mine) reportDecision(options, event.id, known.verdict, tool, 'observed')
    const { verdict } = known
    if (!verdict.decisionId || (permission === 'allow') === (verdict.action === 'allow')) return
    const record = () => this.conflict(event, tool, permission, verdict, isLive)
    if (known.mine) return record()
    takeovers.schedule(`conflict:${event.id}`, 'conflict', () => verdicts.hasConflict(event.id), record)
  }

  private async confirm(eventId: string, verdict: Verdict, tool: string): Promise<void> {
    const allow = verdict.action === 'allow'
    const sent = await this.ctx.answers.send(
      {
        type: 'user.tool_confirmation',
        tool_use_id: eventId,
        result: allow ? 'allow' : 'deny',
        ...(allow ? {} : { deny_message: reasonsForModel(verdict.reasons) }),
      },
      verdict.decisionId,
    )
    if (!sent) return
    this.ctx.tally[allow ? 'allow' : 'deny']++
    reportDecision(this.ctx.options, eventId, verdict, tool, 'confirmation')
  }

  private async decideHeld(eventId: string, input: ToolCallInput): Promise<Known> {
    const { options, tally, verdicts, logger } = this.ctx
    try {
      const v = await options.guard.check(input, { eventId, callId: eventId })
      tally.decisions++
      const reasons = v.kind === 'deny' ? v.reasons : v.recorded.decision.reasons
      return verdicts.remember(eventId, { decisionId: v.decisionId, action: v.kind, reasons }, true)
    } catch (error) {
      const back = isAlreadyRecorded(error) ? await verdicts.find(eventId) : undefined
      if (back) return back
      // Fail closed: a call the guard cannot decide or record is denied, and not remembered, so a later
      // replay tries again.
      tally.failures++
      logger.error({ eventId, err: describeError(error) }, 'cannot decide held tool use; denying')
      const reasons = [{ rule: 'arbiter.guard_error', message: failureText(error) }]
      return { verdict: { decisionId: '', action: 'deny', reasons }, mine: true }
    }
  }

  private async decideObserved(eventId: string, input: ToolCallInput): Promise<Known> {
    const { options, tally, verdicts, logger } = this.ctx
    try {
      const v = await options.guard.check(input, { eventId, callId: eventId, awaitApproval: false })
      tally.decisions++
      const { action, reasons } = v.recorded.decision
      return verdicts.remember(eventId, { decisionId: v.decisionId, action, reasons }, true)
    } catch (error) {
      const back = isAlreadyRecorded(error) ? await verdicts.find(eventId) : undefined
      if (back) return back
      tally.failures++
      logger.error({ eventId, err: describeError(error) }, 'cannot record observed tool use')
      return { verdict: { decisionId: '', action: 'unknown', reasons: [] }, mine: true }
    }
  }

  private async conflict(
    event: ToolUseEvent,
    tool: string,
    permission: Exclude<Permission, 'ask'>,
    verdict: Verdict,
    isLive: IsLive,
  ): Promise<void> {
    const { options, answers, tally } = this.ctx
    // An observed call the guard could not decide has no policy action to conflict with.
    if (this.conflicts.has(event.id) || verdict.action === 'unknown') return
    const policyAction = verdict.action
    const kind = permission === 'allow' ? 'runtime_allowed_policy_denied' : 'runtime_denied_policy_allowed'
    // Stop the agent first; the record follows (the decision entry is already durable). Only the turn
    // in progress is interrupted: a conflict found in older history must not stop a later turn.
    let interrupted = this.interrupts.has(event.id)
    if (!interrupted && kind === 'runtime_allowed_policy_denied' && options.interruptOnConflict && isLive()) {
      interrupted = await answers.interrupt()
      if (interrupted) this.interrupts.add(event.id)
    }
    const runtimePolicy = typeof event.evaluation?.type === 'string' ? event.evaluation.type : undefined
    try {
      await options.guard.record(
        'conflict',
        toConflictBody({
          decisionId: verdict.decisionId,
          eventId: event.id,
          kind,
          runtime: { decision: permission, ...(runtimePolicy ? { policy: runtimePolicy } : {}) },
          policyAction,
          reasons: verdict.reasons,
          interrupted,
        }),
      )
    } catch (error) {
      if (!isAlreadyRecorded(error)) throw error
      this.conflicts.add(event.id)
      return
    }
    this.conflicts.add(event.id)
    tally.conflicts++
    await options.onConflict?.({
      eventId: event.id,
      decisionId: verdict.decisionId,
      tool,
      kind,
      policyAction: verdict.action,
      reasons: verdict.reasons,
      interrupted,
    })
  }
}
