import { ErrorCode, type JSONRPCRequest, McpError, type Result } from '@modelcontextprotocol/sdk/types.js'
import { z } from 'zod'
import {
  type Caller,
  type Guard,
  GuardError,
  type GuardVerdict,
  type Reason,
  type RecordedDecision,
  type ToolCallInput,
} from '../../guard/index.js'
import { ArbiterError, describeError, type Logger } from '../../shared/index.js'
import { waitForApproval } from './approval-wait.js'
import { isLostAnswer, type RelayExtra } from './passthrough.js'

/** Arbiter's own rule id for a call to a tool the policy hides from this caller. */
export const HIDDEN_TOOL_RULE = 'arbiter.mcp_tool_hidden'

// `tools/call` params as the client sent them: attacker-controlled, so checked before use. Unknown
// members (`_meta`, `task`) are kept: the upstream gets the request as sent.
const callParamsSchema = z
  .object({ name: z.string().min(1).max(256), arguments: z.record(z.string(), z.unknown()).optional() })
  .passthrough()

/** Who is calling, as the gateway knows it when a `tools/call` arrives. */
export interface GateCall {
  readonly request: JSONRPCRequest
  readonly extra: RelayExtra
  readonly agentId: string
  readonly principal: ToolCallInput['principal']
  readonly sessionId: string
}

/** What the tool gate needs from the gateway. @internal */
export interface ToolGateDeps {
  readonly guard: Guard
  readonly serverName: string
  readonly logger: Logger
  /** Whether the policy shows `tool` to this caller (no `arbiter/visible` rule: every tool). */
  readonly isVisible: (input: Omit<ToolCallInput, 'arguments'>) => Promise<boolean>
  /** Sends the call upstream and returns the result unchanged (see `forwardRequest`). */
  readonly forward: (request: JSONRPCRequest, extra: RelayExtra, progressOffset?: number) => Promise<Result>
  /** Whether the upstream connection has closed (a lost answer then, not an error answer). */
  readonly upstreamClosed: () => boolean
  /** Interval of progress notifications while a call waits for approval, ms. */
  readonly approvalProgressMs: number
  /** The API key of an HTTP session, recorded on the decision and the outcome. */
  readonly caller?: Caller
}

/** A `CallToolResult` with `isError: true`: the model reads it and can adapt (not a JSON-RPC error). */
export function refusal(text: string): Result {
  return { content: [{ type: 'text', text }], isError: true }
}

/** The text of a denied call: every rule id and message, and the decision id to look it up. */
export function deniedText(decisionId: string, reasons: readonly Reason[]): string {
  const lines = reasons.map((r) => `- [${r.rule}] ${r.message}`)
  return `Arbiter denied this tool call; it did not run (decision ${decisionId}).\n${lines.join('\n')}`
}

/**
 * Handles one `tools/call`: builds the `ToolCallInput` (`tool.kind` "mcp", `tool.server` the configured
 * server name, runtime "mcp"), records the decision (durable before anything is forwarded), settles
 * approvals, forwards only an allowed call and records its outcome. Every refusal, and every failure
 * to evaluate or record, is an `isError` result: nothing is forwarded then.
 *
 * @throws {McpError} InvalidParams for malformed params; the upstream's own error answer (relayed); an
 *   InternalError naming the decision when the upstream never answered (left `outcome_unknown`).
 * @internal
 */
export async function gateToolCall(deps: ToolGateDeps, call: GateCall): Promise<Result> {
  const parsed = callParamsSchema.safeParse(call.request.params)
  if (!parsed.success)
    throw new McpError(
      ErrorCode.InvalidParams,
      `invalid tools/call params: ${parsed.error.issues[0]?.message}`,
    )
  const { guard, serverName } = deps
  const base = {
    tool: { name: parsed.data.name, kind: 'mcp' as const, server: serverName },
    agent: { id: call.agentId, runtime: 'mcp' },
    principal: call.principal,
    session: { id: call.sessionId },
  }
  let visible: boolean
  try {
    visible = await deps.isVisible(base)
  } catch (error) {
    // Cannot tell whether the caller may see it: treated as hidden (fail closed), and recorded so.
    deps.logger.error({ tool: base.tool.name, err: describeError(error) }, 'arbiter/visible failed')
    visible = false
  }
  let recorded: RecordedDecision
  try {
    recorded = await guard.decide(
      { ...base, arguments: parsed.data.arguments ?? {} },
      {
        ...(deps.caller ? { caller: deps.caller } : {}),
        ...(visible
          ? {}
          : {
              veto: {
                rule: HIDDEN_TOOL_RULE,
                message: `tool ${base.tool.name} is not available to this caller`,
              },
            }),
      },
    )
  } catch (error) {
    return refusal(`Arbiter could not check this tool call, so it was not forwarded: ${failureText(error)}`)
  }
  // Progress sent while waiting for approval: the upstream's own progress is numbered after it, so the
  // client sees one increasing sequence.
  const sent = { count: 0 }
  const verdict = await settle(deps, recorded, call, sent)
  if (verdict === undefined) return refusal('Arbiter stopped waiting for approval; the call did not run.')
  if ('error' in verdict) return refusal(verdict.error)
  if (verdict.kind === 'deny') return refusal(deniedText(verdict.decisionId, verdict.reasons))
  return runAllowed(deps, recorded, call, sent.count)
}

function failureText(error: unknown): string {
  return error instanceof ArbiterError ? `${error.code}: ${error.message}` : describeError(error)
}

/** Allow, deny, or (after an approval wait) either; undefined when the client cancelled the wait. */
async function settle(
  deps: ToolGateDeps,
  recorded: RecordedDecision,
  call: GateCall,
  sent: { count: number },
): Promise<GuardVerdict | { error: string } | undefined> {
  const { decision, decisionId } = recorded
  if (decision.action === 'allow') return { kind: 'allow', decisionId, recorded }
  if (decision.action === 'deny') return { kind: 'deny', decisionId, reasons: decision.reasons, recorded }
  try {
    return await waitForApproval(deps.guard, recorded, call.extra, deps.approvalProgressMs, sent)
  } catch (error) {
    if (error instanceof GuardError && error.code === 'GUARD_APPROVAL_ABANDONED') {
      // The client cancelled while the call waited: it will never run.
      await recordQuietly(deps, decisionId, { status: 'not_run' })
      return undefined
    }
    return {
      error: `Arbiter could not settle the approval, so the call was not forwarded: ${failureText(error)}`,
    }
  }
}

async function runAllowed(
  deps: ToolGateDeps,
  recorded: RecordedDecision,
  call: GateCall,
  progressOffset: number,
): Promise<Result> {
  const { decisionId } = recorded
  const started = performance.now()
  let result: Result
  try {
    result = await deps.forward(call.request, call.extra, progressOffset)
  } catch (error) {
    if (isLostAnswer(error, deps.upstreamClosed()) || call.extra.signal.aborted) {
      // Forwarded, never answered: it may or may not have run. No outcome is written, so
      // `arbiter outcomes --unknown` lists the decision.
      deps.logger.error({ decisionId, err: describeError(error) }, 'upstream gave no answer; outcome unknown')
      throw new McpError(
        ErrorCode.InternalError,
        `upstream MCP server ${deps.serverName} gave no answer (${describeError(error)}); the call may have run and is recorded as outcome_unknown (decision ${decisionId})`,
      )
    }
    await recordQuietly(deps, decisionId, {
      status: 'error',
      durationMs: performance.now() - started,
      error: describeError(error),
    })
    throw error
  }
  const durationMs = performance.now() - started
  await recordQuietly(
    deps,
    decisionId,
    result.isError === true
      ? { status: 'error', durationMs, result, error: errorTextOf(result) }
      : { status: 'ok', durationMs, result },
  )
  return result
}

/** The text parts of an `isError` result: the tool's error message. */
function errorTextOf(result: Result): string {
  const content = Array.isArray(result.content) ? (result.content as unknown[]) : []
  const texts = content.flatMap((c) =>
    typeof c === 'object' && c !== null && (c as { type?: unknown }).type === 'text'
      ? [String((c as { text?: unknown }).text ?? '')]
      : [],
  )
  return texts.join('\n') || 'tool reported an error'
}

// The tool has run (or never will): failing the call now would invite a retry. A missing outcome
// leaves the decision as outcome_unknown, which `arbiter outcomes --unknown` reports.
async function recordQuietly(
  deps: ToolGateDeps,
  decisionId: string,
  report: Parameters<Guard['recordOutcome']>[1],
): Promise<void> {
  try {
    await deps.guard.recordOutcome(decisionId, deps.caller ? { ...report, caller: deps.caller } : report)
  } catch (error) {
    if (error instanceof GuardError && error.code === 'GUARD_ALREADY_RECORDED') return
    deps.logger.error({ decisionId, err: describeError(error) }, 'outcome not recorded; outcome unknown')
  }
}
