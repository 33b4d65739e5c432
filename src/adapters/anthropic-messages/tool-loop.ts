import type Anthropic from '@anthropic-ai/sdk'
import {
  type CallContext,
  type Guard,
  GuardError,
  reasonsForModel,
  ToolDeniedError,
} from '../../guard/index.js'
import { describeError, ValidationError } from '../../shared/index.js'

/** A client tool: the definition the model sees, and the function that runs it once the guard allows. */
export interface GuardedTool {
  readonly definition: Anthropic.Messages.Tool
  readonly run: (input: Record<string, unknown>) => unknown | Promise<unknown>
  /**
   * The tool's name in policy (`payments.transfer`); API tool names cannot contain dots, so the
   * definition's name (`payments_transfer`) often differs. Default: the definition's name.
   */
  readonly policyName?: string
}

/** What happened to one `tool_use` block; for logs and demos. */
export interface ToolCallReport {
  readonly toolUseId: string
  readonly tool: string
  readonly outcome: 'ran' | 'denied' | 'failed' | 'invalid'
  readonly decisionId?: string
  readonly text: string
}

export interface GuardedToolLoopOptions {
  readonly client: Pick<Anthropic, 'messages'>
  readonly guard: Guard
  readonly tools: readonly GuardedTool[]
  readonly context: CallContext
  /** The first request; `tools` are added from `tools` above. */
  readonly request: Omit<Anthropic.Messages.MessageCreateParamsNonStreaming, 'tools'>
  /** Stop after this many model calls even if the model still asks for tools. Default 10. */
  readonly maxTurns?: number
  readonly onToolCall?: (report: ToolCallReport) => void
  /** Called with each assistant message as it arrives, before its tool calls run. */
  readonly onAssistantMessage?: (message: Anthropic.Messages.Message) => void
}

export interface GuardedToolLoopResult {
  /** The last assistant message. */
  readonly message: Anthropic.Messages.Message
  /** The whole conversation, including the tool results sent back. */
  readonly messages: Anthropic.Messages.MessageParam[]
  readonly turns: number
  readonly toolCalls: readonly ToolCallReport[]
}

/**
 * Runs the Messages API tool-use loop with every client tool call going through the guard. A denied
 * call is answered with `tool_result` `is_error: true` carrying the policy's reasons, so the model can
 * adapt; the tool does not run.
 *
 * @throws {GuardError} when a decision cannot be evaluated or recorded (fail closed: the loop stops).
 * @example
 * const { message } = await runGuardedToolLoop({
 *   client, guard, context,
 *   tools: [{ definition: transferTool, policyName: 'payments.transfer', run: transfer }],
 *   request: { model: 'claude-sonnet-5-5', max_tokens: 1024, messages: [{ role: 'user', content: 'Pay invoice 42' }] },
 * })
 */
export async function runGuardedToolLoop(options: GuardedToolLoopOptions): Promise<GuardedToolLoopResult> {
  const { client, guard, tools, context } = options
  const byName = new Map(tools.map((t) => [t.definition.name, t]))
  const messages: Anthropic.Messages.MessageParam[] = [...options.request.messages]
  const toolCalls: ToolCallReport[] = []
  const maxTurns = options.maxTurns ?? 10
  for (let turn = 1; ; turn++) {
    const message = await client.messages.create({
      ...options.request,
      messages,
      tools: tools.map((t) => t.definition),
    })
    messages.push({ role: 'assistant', content: message.content })
    options.onAssistantMessage?.(message)
    const uses = message.content.filter((b): b is Anthropic.Messages.ToolUseBlock => b.type === 'tool_use')
    if (message.stop_reason !== 'tool_use' || uses.length === 0 || turn >= maxTurns)
      return { message, messages, turns: turn, toolCalls }
    const results: Anthropic.Messages.ToolResultBlockParam[] = []
    for (const use of uses) {
      const report = await callTool(guard, byName.get(use.name), use, context)
      toolCalls.push(report)
      options.onToolCall?.(report)
      results.push({
        type: 'tool_result',
        tool_use_id: use.id,
        content: report.text,
        ...(report.outcome === 'ran' ? {} : { is_error: true }),
      })
    }
    messages.push({ role: 'user', content: results })
  }
}

async function callTool(
  guard: Guard,
  tool: GuardedTool | undefined,
  use: Anthropic.Messages.ToolUseBlock,
  context: CallContext,
): Promise<ToolCallReport> {
  const base = { toolUseId: use.id, tool: tool?.policyName ?? use.name }
  if (!tool) return { ...base, outcome: 'invalid', text: `unknown tool ${use.name}` }
  // `use.input` is produced by the model: the guard validates it before anything else.
  const input = {
    tool: { name: base.tool, kind: 'client' as const },
    arguments: use.input,
    agent: context.agent,
    principal: context.principal,
    session: context.session,
    ...(context.context ? { context: context.context } : {}),
  }
  try {
    const result = await guard.execute(input, () => tool.run(use.input as Record<string, unknown>), {
      callId: use.id,
    })
    return { ...base, outcome: 'ran', text: toText(result) }
  } catch (error) {
    if (error instanceof ToolDeniedError)
      return {
        ...base,
        outcome: 'denied',
        decisionId: error.decisionId,
        text: reasonsForModel(error.reasons),
      }
    if (error instanceof ValidationError) return { ...base, outcome: 'invalid', text: error.message }
    if (error instanceof GuardError) throw error
    return { ...base, outcome: 'failed', text: `Error: ${describeError(error)}` }
  }
}

/** Tool results go back as text: strings as they are, anything else as JSON. */
export function toText(result: unknown): string {
  if (typeof result === 'string') return result
  if (result === undefined) return ''
  try {
    return JSON.stringify(result)
  } catch {
    return String(result)
  }
}
