import { type OutcomeReport, toConflictBody } from '../../guard/index.js'
import { describeError, silentLogger } from '../../shared/index.js'
import type { ClaudeAgentGuardOptions, ClaudeToolCall } from './claude-guard.types.js'
import type { PostToolUseFailureInput, PostToolUseInput } from './hook-input.js'
import type { ClaudeHookOutput } from './sdk-shapes.types.js'
import type { ToolCalls } from './tool-calls.js'

/** What the Claude Code process reported about a tool it ran (PostToolUse / PostToolUseFailure). */
export type ToolRun =
  | { readonly kind: 'ok'; readonly event: PostToolUseInput }
  | { readonly kind: 'error'; readonly event: PostToolUseFailureInput }

/**
 * Records the outcome of a tool the Claude Code process ran, linked to its decision by `tool_use_id`.
 * A tool that ran without Arbiter's allow (something other than `canUseTool` answered the permission
 * prompt, e.g. `permissionPromptToolName`) and that policy did not allow is a `conflict`: recorded with
 * a `runtime_reported` outcome, reported, and the session told to stop. A call Arbiter never saw is
 * decided now, after the fact. Never throws: the tool has already run.
 */
export async function recordRun(
  calls: ToolCalls,
  run: ToolRun,
  call: ClaudeToolCall,
  options: ClaudeAgentGuardOptions,
): Promise<ClaudeHookOutput> {
  const logger = options.logger ?? silentLogger
  const tracked = calls.track(call)
  calls.forget(call.toolUseId)
  const decided = await tracked.decided
  const { event } = run
  if (!decided.ok) {
    logger.error(
      { toolUseId: call.toolUseId, tool: call.tool.name, err: describeError(decided.error) },
      'claude agent tool ran without a recorded decision; stopping the session',
    )
    return { continue: false, stopReason: 'Arbiter could not record a decision for a tool that ran.' }
  }
  const { recorded } = decided
  const policyAllowed = recorded.decision.action === 'allow'
  const conflict = !tracked.permitted && !policyAllowed
  const report: OutcomeReport = {
    status: conflict ? 'runtime_reported' : run.kind,
    eventId: call.toolUseId,
    ...(event.duration_ms !== undefined ? { durationMs: event.duration_ms } : {}),
    ...(run.kind === 'ok' ? { result: run.event.tool_response } : { error: run.event.error }),
  }
  try {
    await options.guard.recordOutcome(recorded.decisionId, report)
  } catch (error) {
    // The decision stays without outcome; `arbiter outcomes --unknown` lists it.
    logger.error(
      { decisionId: recorded.decisionId, err: describeError(error) },
      'outcome not recorded; decision left as outcome_unknown',
    )
  }
  if (!conflict) return {}
  const interrupted = options.interruptOnConflict ?? true
  try {
    await options.guard.record(
      'conflict',
      toConflictBody({
        decisionId: recorded.decisionId,
        eventId: call.toolUseId,
        kind: 'runtime_allowed_policy_denied',
        runtime: { decision: 'allow', policy: event.permission_mode ?? 'claude-agent-sdk' },
        policyAction: recorded.decision.action,
        reasons: recorded.decision.reasons,
        interrupted,
      }),
    )
  } catch (error) {
    logger.error({ decisionId: recorded.decisionId, err: describeError(error) }, 'conflict not recorded')
  }
  options.onConflict?.({
    toolUseId: call.toolUseId,
    sdkName: call.sdkName,
    tool: call.tool.name,
    decisionId: recorded.decisionId,
    policyAction: recorded.decision.action,
    reasons: recorded.decision.reasons,
    interrupted,
  })
  return interrupted
    ? { continue: false, stopReason: `Arbiter: ${call.sdkName} ran although policy did not allow it.` }
    : {}
}
