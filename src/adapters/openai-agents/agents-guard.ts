// Types only: Arbiter loads without @openai/agents; an application that uses this adapter has it.
import type { RunContext, RunState, RunToolApprovalItem } from '@openai/agents'
import {
  ApprovalError,
  type Approver,
  type CallContext,
  type Guard,
  reasonsForModel,
} from '../../guard/index.js'
import type { Logger } from '../../shared/index.js'
import { type ApprovalState, createTwoPhaseGuard, type HeldCall } from '../two-phase/index.js'

/** What the SDK passes as `execute`'s third argument (its `ToolCallDetails`, not exported by the package). */
interface ToolCallDetails {
  readonly toolCall?: { readonly callId: string; readonly arguments: string }
}

/**
 * The part of a run state the approval helpers use: `result.state`, or a state restored with
 * `RunState.fromString` in another process.
 */
export type AgentsRunState<TContext> = Pick<
  RunState<TContext, never>,
  'approve' | 'reject' | 'getInterruptions' | '_context'
>

/** The members of `tool()`'s options this adapter replaces or reads; the rest pass through unchanged. */
export interface AgentToolOptions {
  readonly name?: string
  /** Parameters are typed by the SDK from the options' `parameters`; `never` accepts any of them. */
  readonly execute: (input: never, runContext?: never, details?: never) => unknown
  readonly needsApproval?: unknown
}

/** How one tool appears in policy. */
export interface AgentToolMeta {
  /** The tool's name in policy (`payments.transfer`). Default: the tool's `name`. */
  readonly policyName?: string
  readonly kind?: 'client' | 'mcp' | 'custom'
  readonly server?: string
}

export interface OpenAIAgentsGuardOptions<TContext> {
  readonly guard: Guard
  /** Who is calling, for whom, in which session: fixed, or read from the run's own context. */
  readonly context: CallContext | ((runContext: RunContext<TContext>) => CallContext)
  /** See `bindingKey` in docs/integrations.md: lets another process run a call approved here. */
  readonly bindingKey?: string | Uint8Array
  readonly logger?: Pick<Logger, 'error' | 'warn'>
}

/** What {@link createOpenAIAgentsGuard} returns: a tool wrapper and the approval helpers. */
export interface OpenAIAgentsGuard<TContext> {
  /**
   * Returns `tool()` options whose `needsApproval` asks the guard (policy decides; `require_approval`
   * becomes an SDK interruption) and whose `execute` runs only allowed or approved calls, records the
   * outcome, and otherwise returns the policy's reasons (with rule ids) as the tool output.
   */
  tool<O extends AgentToolOptions>(options: O, meta?: AgentToolMeta): O
  /**
   * Records `approver`'s approval of an interruption with the guard's approval desk (four eyes) and,
   * once the approval is granted, approves it in the run state (`state.approve`). Resume the run after.
   * @throws {ApprovalError} APPROVAL_FORBIDDEN (self-approval, missing role), APPROVAL_NOT_FOUND, APPROVAL_CLOSED.
   */
  approve(
    state: AgentsRunState<TContext>,
    item: RunToolApprovalItem,
    approver: Approver,
    comment?: string,
  ): Promise<ApprovalState>
  /** Records a denial and rejects the interruption (`state.reject`) with the reasons as the model's message. */
  reject(
    state: AgentsRunState<TContext>,
    item: RunToolApprovalItem,
    approver: Approver,
    comment?: string,
  ): Promise<ApprovalState>
  /**
   * Applies verdicts given elsewhere (Arbiter's web UI, `POST /v1/approvals/…`, another process) to the
   * run state: approved interruptions are approved, denied or expired ones rejected; pending ones and
   * interruptions of tools this guard does not wrap are left alone and returned as `pending`.
   */
  settle(
    state: AgentsRunState<TContext>,
  ): Promise<{ approved: number; rejected: number; pending: RunToolApprovalItem[] }>
}

/** The model's arguments as the SDK hands them to `needsApproval`: the raw JSON, parsed. */
function parseArguments(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown
  } catch {
    // Not JSON: the guard refuses a non-object as invalid input, with a reason for the model.
    return raw
  }
}

/**
 * Creates the OpenAI Agents SDK adapter: guarded `tool()` options and helpers that answer the SDK's
 * tool approval interruptions through Arbiter's approval desk.
 *
 * @example
 * import { Agent, run, tool } from '@openai/agents'
 * const arbiter = createOpenAIAgentsGuard({ guard, context })
 * const transfer = tool(arbiter.tool({ name: 'payments_transfer', description: 'Transfer money',
 *   parameters: transferSchema, execute: (args) => bank.transfer(args) }, { policyName: 'payments.transfer' }))
 * let result = await run(new Agent({ name: 'teller', tools: [transfer] }), 'Pay invoice 42')
 * for (const item of result.interruptions) await arbiter.approve(result.state, item, { id: 'emp-317', roles: ['payments_officer'] })
 * result = await run(agent, result.state)
 */
export function createOpenAIAgentsGuard<TContext = unknown>(
  options: OpenAIAgentsGuardOptions<TContext>,
): OpenAIAgentsGuard<TContext> {
  const phases = createTwoPhaseGuard({
    guard: options.guard,
    namespace: 'openai-agents',
    ...(options.bindingKey !== undefined ? { bindingKey: options.bindingKey } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  })
  const tools = new Map<string, Required<Pick<AgentToolMeta, 'policyName'>> & AgentToolMeta>()
  const contextOf = (runContext: RunContext<TContext> | undefined): CallContext => {
    if (typeof options.context !== 'function') return options.context
    if (!runContext) throw new TypeError('the OpenAI Agents SDK passed no run context to the tool')
    return options.context(runContext)
  }
  const callOf = (
    meta: AgentToolMeta & { policyName: string },
    callId: string,
    args: unknown,
    runContext?: RunContext<TContext>,
  ): HeldCall => ({
    callId,
    tool: meta.policyName,
    ...(meta.kind ? { kind: meta.kind } : {}),
    ...(meta.server ? { server: meta.server } : {}),
    arguments: args,
    context: contextOf(runContext),
  })
  const callOfItem = (state: AgentsRunState<TContext>, item: RunToolApprovalItem): HeldCall | null => {
    const raw = item.rawItem
    if (raw.type !== 'function_call') return null
    const meta = tools.get(raw.name)
    return meta ? callOf(meta, raw.callId, parseArguments(raw.arguments), state._context) : null
  }
  const requireCall = (state: AgentsRunState<TContext>, item: RunToolApprovalItem): HeldCall => {
    const call = callOfItem(state, item)
    if (!call)
      throw new ApprovalError(
        'APPROVAL_NOT_FOUND',
        `interruption for ${item.name ?? 'a tool'} is not a tool guarded by Arbiter`,
      )
    return call
  }
  const rejectionMessage = (state: ApprovalState): string | undefined =>
    state.state === 'denied' ? reasonsForModel(state.reasons) : undefined

  return {
    tool(toolOptions, meta = {}) {
      const name = toolOptions.name
      if (!name) throw new TypeError('a guarded tool needs a name')
      const resolved = { ...meta, policyName: meta.policyName ?? name }
      tools.set(name, resolved)
      const execute = toolOptions.execute as (
        input: unknown,
        runContext?: RunContext<TContext>,
        details?: ToolCallDetails,
      ) => unknown
      return {
        ...toolOptions,
        needsApproval: async (runContext: RunContext<TContext>, input: unknown, callId?: string) =>
          // Without a call id there is nothing to hold by: `execute` then decides and waits itself.
          callId ? phases.needsApproval(callOf(resolved, callId, input, runContext)) : false,
        execute: async (input: unknown, runContext?: RunContext<TContext>, details?: ToolCallDetails) => {
          const toolCall = details?.toolCall
          // The SDK gave `needsApproval` the raw arguments, parsed: the same here, so both see one call.
          const args = toolCall ? parseArguments(toolCall.arguments) : input
          const outcome = await phases.run(callOf(resolved, toolCall?.callId ?? '', args, runContext), () =>
            execute(input, runContext, details),
          )
          return outcome.ran ? outcome.result : outcome.text
        },
      }
    },

    async approve(state, item, approver, comment) {
      const verdict = await phases.answer(requireCall(state, item), 'approve', approver, comment)
      if (verdict.state === 'approved') state.approve(item)
      return verdict
    },

    async reject(state, item, approver, comment) {
      const verdict = await phases.answer(requireCall(state, item), 'deny', approver, comment)
      if (verdict.state === 'denied') state.reject(item, { message: rejectionMessage(verdict) })
      return verdict
    },

    async settle(state) {
      let approved = 0
      let rejected = 0
      const pending: RunToolApprovalItem[] = []
      for (const item of state.getInterruptions()) {
        const call = callOfItem(state, item)
        const verdict = call ? await phases.approvalState(call) : ({ state: 'none' } as const)
        if (verdict.state === 'approved') {
          state.approve(item)
          approved++
        } else if (verdict.state === 'denied') {
          state.reject(item, { message: rejectionMessage(verdict) })
          rejected++
        } else pending.push(item)
      }
      return { approved, rejected, pending }
    },
  }
}
