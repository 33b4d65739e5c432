import type { BetaRunnableTool } from '@anthropic-ai/sdk/lib/tools/BetaRunnableTool'
import { ToolError } from '@anthropic-ai/sdk/resources/beta/messages'
import { type CallContext, type Guard, reasonsForModel, ToolDeniedError } from '../../guard/index.js'

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
        if (error instanceof ToolDeniedError) throw new ToolError(reasonsForModel(error.reasons))
        throw error
      }
    },
  }
}
