import type { Result } from '@modelcontextprotocol/sdk/types.js'
import type { ToolCallInput } from '../../guard/index.js'
import { describeError, type Logger } from '../../shared/index.js'

/**
 * Decides whether the policy shows a tool to a caller: the policy's optional `arbiter/visible` entry
 * point, evaluated with the call's input minus `arguments`. Resolves true for every tool when the
 * bundle has no such rule.
 */
export type ToolVisibility = (input: Omit<ToolCallInput, 'arguments'>) => Promise<boolean>

/** Every tool visible: what a gateway without an `arbiter/visible` rule does. */
export const everyToolVisible: ToolVisibility = async () => true

/**
 * Filters a `tools/list` result to the tools the policy shows this caller; everything else in the
 * result (`nextCursor`, `_meta`, unknown members) is kept as the upstream sent it. A tool whose
 * visibility cannot be decided is left out (fail closed), and calling it is refused.
 * @internal
 */
export async function filterToolList(
  result: Result,
  isVisible: ToolVisibility,
  base: Omit<ToolCallInput, 'arguments' | 'tool'> & { readonly server: string },
  logger: Logger,
): Promise<Result> {
  if (!Array.isArray(result.tools)) return result
  const { server, ...caller } = base
  const tools = result.tools as unknown[]
  // The upstream's list: names are checked before they reach the policy.
  const shown = await Promise.all(
    tools.map(async (tool) => {
      const name = (tool as { name?: unknown } | null)?.name
      if (typeof name !== 'string' || name.length === 0 || name.length > 256) return false
      try {
        return await isVisible({ ...caller, tool: { name, kind: 'mcp', server } })
      } catch (error) {
        logger.error({ tool: name, err: describeError(error) }, 'arbiter/visible failed; tool hidden')
        return false
      }
    }),
  )
  return { ...result, tools: tools.filter((_, i) => shown[i]) }
}
