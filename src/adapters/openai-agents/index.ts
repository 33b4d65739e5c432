/**
 * The OpenAI Agents SDK adapter (`@openai/agents`, an optional peer dependency: only its types are
 * imported here). Function tools are guarded through the SDK's own human-in-the-loop: `needsApproval`
 * asks the guard, `require_approval` becomes an interruption that a second person answers through
 * Arbiter's approval desk, and `execute` runs only allowed or approved calls.
 *
 * ```ts
 * const arbiter = createOpenAIAgentsGuard({ guard, context })
 * const agent = new Agent({ name: 'teller', tools: [tool(arbiter.tool(transferOptions, { policyName: 'payments.transfer' }))] })
 * let result = await run(agent, 'Pay invoice 42')
 * while (result.interruptions.length > 0) {
 *   for (const item of result.interruptions) await arbiter.approve(result.state, item, officer)
 *   result = await run(agent, result.state)
 * }
 * ```
 *
 * Hosted tools (web search, file search, code interpreter, hosted MCP, image generation) run on
 * OpenAI's servers: the SDK never calls local code before they run, so Arbiter cannot gate them.
 */

export type { ApprovalState } from '../two-phase/index.js'
export {
  type AgentsRunState,
  type AgentToolMeta,
  type AgentToolOptions,
  createOpenAIAgentsGuard,
  type OpenAIAgentsGuard,
  type OpenAIAgentsGuardOptions,
} from './agents-guard.js'
