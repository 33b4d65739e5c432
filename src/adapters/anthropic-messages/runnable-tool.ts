import Anthropic from '@anthropic-ai/sdk'
import { type CallContext, type Guard, reasonsForModel, ToolDeniedError } from '../../guard/index.js'

// Only the SDK's public entry point: its internal module paths move between releases, and an application
// must be able to hand us tools made with its own copy of the SDK.
type SdkRunnableTool = Extract<
  Anthropic.Beta.Messages.BetaToolRunnerParams['tools'][number],
  { run: unknown; parse: unknown }
>

/** Omit over each member of a union (the SDK's tool definitions are one), keeping each member's fields. */
type OmitEach<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never

/** A runnable tool of the SDK's `toolRunner` (what `betaTool`, `betaZodTool` and `mcpTool` return). */
export type BetaRunnableTool<Input> = OmitEach<SdkRunnableTool, 'run' | 'parse'> & {
  run: (args: Input, context?: Parameters<SdkRunnableTool['run']>[1]) => ReturnType<SdkRunnableTool['run']>
  parse: (content: unknown) => Input
}

/**
 * Wraps a runnable tool for the SDK's own loop (`client.beta.messages.toolRunner`) so its `run` goes
 * through the guard. A denial surfaces as the SDK's `ToolError`, which the runner sends back as an
 * `is_error` tool result carrying the policy's reasons.
 *
 * @example
 * const runner = client.beta.messages.toolRunner({
 *   model: 'claude-sonnet-5-5', max_tokens: 1024, messages,
 *   tools: [guardRunnableTool(guard, balanceTool, { context, policyName: 'accounts.get_balance' })],
 * })
 * const final = await runner.runUntilDone()
 */
export function guardRunnableTool<Input>(
  guard: Guard,
  tool: BetaRunnableTool<Input>,
  options: { context: CallContext; policyName?: string },
): BetaRunnableTool<Input> {
  const { context } = options
  const name = options.policyName ?? ('name' in tool ? String(tool.name) : 'unknown')
  return {
    ...tool,
    run: async (args, runContext) => {
      const input = {
        tool: { name, kind: 'client' as const },
        // `args` is whatever the model sent after the tool's own `parse`; the guard validates it.
        arguments: args as unknown,
        agent: context.agent,
        principal: context.principal,
        session: context.session,
        ...(context.context ? { context: context.context } : {}),
      }
      try {
        return await guard.execute(input, () => tool.run(args, runContext))
      } catch (error) {
        if (error instanceof ToolDeniedError)
          throw new Anthropic.Beta.Messages.ToolError(reasonsForModel(error.reasons))
        throw error
      }
    },
  }
}
