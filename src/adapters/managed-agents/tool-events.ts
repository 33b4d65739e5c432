import type Anthropic from '@anthropic-ai/sdk'
import {
  type DecisionAction,
  type Guard,
  type Reason,
  reasonsForModel,
  type ToolCallInput,
  toConflictBody,
} from '../../guard/index.js'
import { describeError } from '../../shared/index.js'
import { toText } from '../anthropic-messages/index.js'
import { type CustomToolUseEvent, contentText, type ToolResultEvent, type ToolUseEvent } from './events.js'
import type { SessionGuardOptions } from './session-guard.types.js'
import { failureText, policyNameOf, toToolCallInput } from './tool-input.js'

type Decided = { decisionId: string; action: DecisionAction; reasons: Reason[] }
/** `unknown`: the guard could not decide an observed call (nothing recorded). */
type Verdict = Decided | { decisionId: ''; action: 'unknown'; reasons: Reason[] }
type EventParams = Anthropic.Beta.Sessions.Events.BetaManagedAgentsEventParams

/** Counters the handlers keep for the run summary. */
export interface Tally {
  decisions: number
  allow: number
  deny: number
  customToolResults: number
  conflicts: number
  outcomes: number
  failures: number
}

/**
 * Acts on the tool events of one session. Every act is keyed by the vendor event id and checked
 * against memory and then the ledger first, so a replayed event (reconnect, restart) is never
 * decided, confirmed or run twice.
 */
export class ToolEventHandlers {
  /** Tool uses the runtime no longer waits on (confirmed, answered, or never held). */
  readonly answered = new Set<string>()
  private readonly verdicts = new Map<string, Verdict>()
  private readonly outcomes = new Set<string>()
  readonly tally: Tally = {
    decisions: 0,
    allow: 0,
    deny: 0,
    customToolResults: 0,
    conflicts: 0,
    outcomes: 0,
    failures: 0,
  }

  constructor(private readonly options: SessionGuardOptions) {}

  private get guard(): Guard {
    return this.options.guard
  }

  async onToolUse(event: ToolUseEvent): Promise<void> {
    const kind = event.type === 'agent.mcp_tool_use' ? 'mcp' : 'builtin'
    const tool = policyNameOf(this.options, event.name, kind, event.mcp_server_name)
    const permission = event.evaluated_permission ?? 'allow'
    const input = toToolCallInput(this.options, tool, kind, event, permission)
    if (permission === 'ask') {
      if (this.answered.has(event.id)) return
      const verdict = (await this.existing(event.id)) ?? (await this.decideHeld(event.id, input))
      const allow = verdict.action === 'allow'
      await this.send({
        type: 'user.tool_confirmation',
        tool_use_id: event.id,
        result: allow ? 'allow' : 'deny',
        ...(allow ? {} : { deny_message: reasonsForModel(verdict.reasons) }),
      })
      this.answered.add(event.id)
      this.tally[allow ? 'allow' : 'deny']++
      this.report(event.id, verdict, tool, 'confirmation')
      return
    }
    // The runtime decided on its own (always_allow / auto, or refused): evaluate after the fact.
    this.answered.add(event.id)
    const known = await this.existing(event.id)
    const verdict = known ?? (await this.decideObserved(event.id, input))
    if (!known) this.report(event.id, verdict, tool, 'observed')
    const policyAllows = verdict.action === 'allow'
    if (
      (permission === 'allow') === policyAllows ||
      verdict.decisionId === '' ||
      verdict.action === 'unknown'
    )
      return
    if (known && (await this.guard.findByEvent(event.id, 'conflict')).length > 0) return
    await this.conflict(event, tool, permission, verdict)
  }

  async onCustomToolUse(event: CustomToolUseEvent): Promise<void> {
    if (this.answered.has(event.id)) return
    const custom = this.options.customTools?.[event.name]
    const tool = policyNameOf(this.options, custom?.policyName ?? event.name, 'custom')
    const known = await this.existing(event.id)
    let content: string
    let isError = true
    if (known) {
      // Decided before a restart: never run twice. A denial can be repeated; a run cannot.
      content =
        known.action === 'deny'
          ? reasonsForModel(known.reasons)
          : 'Arbiter: this call was decided before a restart and its outcome is unknown; it was not run again.'
    } else {
      const input = toToolCallInput(this.options, tool, 'custom', event)
      try {
        const result = await this.guard.execute(
          input,
          () => {
            if (!custom) throw new Error(`no local implementation for custom tool ${event.name}`)
            return custom.run(event.input)
          },
          { eventId: event.id },
        )
        content = toText(result)
        isError = false
      } catch (error) {
        content = failureText(error)
      }
      this.tally.decisions++
      const recorded = await this.existing(event.id)
      if (recorded) this.report(event.id, recorded, tool, 'custom_tool')
    }
    await this.send({
      type: 'user.custom_tool_result',
      custom_tool_use_id: event.id,
      content: [{ type: 'text', text: content }],
      is_error: isError,
    })
    this.answered.add(event.id)
    this.tally.customToolResults++
  }

  async onToolResult(event: ToolResultEvent, toolUseId: string): Promise<void> {
    if (this.outcomes.has(event.id)) return
    this.outcomes.add(event.id)
    const verdict = this.verdicts.get(toolUseId) ?? (await this.existing(toolUseId))
    if (!verdict?.decisionId) return
    if ((await this.guard.findByEvent(event.id, 'outcome')).length > 0) return
    const text = contentText(event.content)
    await this.guard.recordOutcome(verdict.decisionId, {
      status: 'runtime_reported',
      eventId: event.id,
      result: event.content ?? [],
      ...(event.is_error ? { error: text || 'the runtime reported an error' } : {}),
    })
    this.tally.outcomes++
  }

  private async decideHeld(eventId: string, input: ToolCallInput): Promise<Verdict> {
    try {
      const v = await this.guard.check(input, { eventId })
      this.tally.decisions++
      return this.remember(eventId, {
        decisionId: v.decisionId,
        action: v.kind,
        reasons: v.kind === 'deny' ? [...v.reasons] : [...v.recorded.decision.reasons],
      })
    } catch (error) {
      // Fail closed: a call the guard cannot decide or record is denied, and not remembered, so
      // a later replay tries again.
      this.tally.failures++
      this.options.logger?.error(
        { eventId, err: describeError(error) },
        'cannot decide held tool use; denying',
      )
      return {
        decisionId: '',
        action: 'deny',
        reasons: [{ rule: 'arbiter.guard_error', message: failureText(error) }],
      }
    }
  }

  private async decideObserved(eventId: string, input: ToolCallInput): Promise<Verdict> {
    try {
      const v = await this.guard.check(input, { eventId, awaitApproval: false })
      this.tally.decisions++
      return this.remember(eventId, {
        decisionId: v.decisionId,
        action: v.recorded.decision.action,
        reasons: [...v.recorded.decision.reasons],
      })
    } catch (error) {
      this.tally.failures++
      this.options.logger?.error({ eventId, err: describeError(error) }, 'cannot record observed tool use')
      return { decisionId: '', action: 'unknown', reasons: [] }
    }
  }

  private async conflict(
    event: ToolUseEvent,
    tool: string,
    permission: 'allow' | 'deny',
    verdict: Decided,
  ): Promise<void> {
    const kind = permission === 'allow' ? 'runtime_allowed_policy_denied' : 'runtime_denied_policy_allowed'
    let interrupted = false
    if (kind === 'runtime_allowed_policy_denied' && this.options.interruptOnConflict) {
      // Stop the agent first; the record follows (the decision entry is already durable).
      try {
        await this.send({ type: 'user.interrupt' })
        interrupted = true
      } catch (error) {
        this.options.logger?.error({ err: describeError(error) }, 'interrupt failed')
      }
    }
    const runtimePolicy = typeof event.evaluation?.type === 'string' ? event.evaluation.type : undefined
    await this.guard.record(
      'conflict',
      toConflictBody({
        decisionId: verdict.decisionId,
        eventId: event.id,
        kind,
        runtime: { decision: permission, ...(runtimePolicy ? { policy: runtimePolicy } : {}) },
        policyAction: verdict.action,
        reasons: verdict.reasons,
        interrupted,
      }),
    )
    this.tally.conflicts++
    await this.options.onConflict?.({
      eventId: event.id,
      decisionId: verdict.decisionId,
      tool,
      kind,
      policyAction: verdict.action,
      reasons: verdict.reasons,
      interrupted,
    })
  }

  /** The decision already recorded for a vendor event (memory first, then the ledger), if any. */
  private async existing(eventId: string): Promise<Verdict | undefined> {
    const cached = this.verdicts.get(eventId)
    if (cached) return cached
    // Event ids are unique per vendor, but only a decision for this session counts.
    const bodies = await this.guard.findByEvent(eventId, 'decision')
    const body = bodies.find((b) => b.input.session.id === this.options.sessionId)
    if (!body) return undefined
    const { decision_id: decisionId, action, reasons } = body
    // A held call decided before a restart may still be waiting for approvers: wait with it.
    const settled = action === 'require_approval' ? await this.guard.resumeApproval(decisionId) : action
    return this.remember(eventId, { decisionId, action: settled, reasons })
  }

  private remember(eventId: string, verdict: Verdict): Verdict {
    this.verdicts.set(eventId, verdict)
    return verdict
  }

  private report(
    eventId: string,
    verdict: Verdict,
    tool: string,
    via: 'confirmation' | 'custom_tool' | 'observed',
  ): void {
    if (!verdict.decisionId) return
    this.options.onDecision?.({
      eventId,
      decisionId: verdict.decisionId,
      tool,
      via,
      verdict: verdict.action === 'allow' ? 'allow' : 'deny',
      reasons: verdict.reasons,
    })
  }

  private async send(event: EventParams): Promise<void> {
    await this.options.client.beta.sessions.events.send(this.options.sessionId, { events: [event] })
  }
}
