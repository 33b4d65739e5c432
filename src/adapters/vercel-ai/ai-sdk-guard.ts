// Types only: Arbiter loads without `ai`; an application that uses this adapter has it.
import type { ModelMessage, Tool, ToolApprovalResponse, ToolExecutionOptions } from 'ai'
import {
  ApprovalError,
  type Approver,
  type CallContext,
  type Guard,
  reasonsForModel,
} from '../../guard/index.js'
import type { Logger } from '../../shared/index.js'
import {
  type ApprovalState,
  createTwoPhaseGuard,
  type HeldCall,
  type TwoPhaseGuard,
} from '../two-phase/index.js'

/** A tool set as `generateText`, `streamText` and `ToolLoopAgent` take it (`Record<name, tool(…)>`). */
export type AiSdkToolSet = Record<string, Tool>

/** How the tools of a set appear in policy. */
export interface AiSdkToolMeta<TOOLS extends AiSdkToolSet> {
  /** Policy name per tool (`{ payments_transfer: 'payments.transfer' }`). Default: the tool's key. */
  readonly policyNames?: Partial<Record<keyof TOOLS & string, string>>
  readonly kind?: 'client' | 'mcp' | 'custom'
  readonly server?: string
}

/** An approval request as `generateText` returns it in `content` (its `ToolApprovalRequestOutput`). */
export interface AiSdkApprovalRequest {
  readonly approvalId: string
  readonly toolCall: { readonly toolCallId: string; readonly toolName: string; readonly input: unknown }
}

export interface AiSdkGuardOptions {
  readonly guard: Guard
  /** Who is calling, for whom, in which session: fixed, or from the call's `experimental_context`. */
  readonly context: CallContext | ((experimentalContext: unknown) => CallContext)
  /** See `bindingKey` in docs/integrations.md: lets another process run a call approved here. */
  readonly bindingKey?: string | Uint8Array
  readonly logger?: Pick<Logger, 'error' | 'warn'>
}

/** What {@link createAiSdkGuard} returns. */
export interface AiSdkGuard {
  /**
   * Guards a tool set through the SDK's tool approval: `needsApproval` asks the guard (policy decides;
   * `require_approval` becomes a `tool-approval-request`), `execute` runs only allowed or approved
   * calls, records the outcome, and otherwise returns the policy's reasons (with rule ids) as the result.
   */
  guardTools<TOOLS extends AiSdkToolSet>(tools: TOOLS, meta?: AiSdkToolMeta<TOOLS>): TOOLS
  /**
   * Guards plain `tool({ execute })` definitions without the SDK's approval step: policy runs before
   * `execute`; `require_approval` waits in `execute` for approvers (Arbiter's UI, API or desk).
   */
  guardExecute<TOOLS extends AiSdkToolSet>(tools: TOOLS, meta?: AiSdkToolMeta<TOOLS>): TOOLS
  /**
   * Records `approver`'s approval through the guard's approval desk (four eyes) and returns the
   * `tool-approval-response` to send back, or null while more approvals are needed.
   * @throws {ApprovalError} APPROVAL_FORBIDDEN (self-approval, missing role), APPROVAL_NOT_FOUND, APPROVAL_CLOSED.
   */
  approve(
    request: AiSdkApprovalRequest,
    approver: Approver,
    options?: AnswerOptions,
  ): Promise<ToolApprovalResponse | null>
  /** Records a denial; returns the `tool-approval-response` with `approved: false` and the reasons. */
  deny(
    request: AiSdkApprovalRequest,
    approver: Approver,
    options?: AnswerOptions,
  ): Promise<ToolApprovalResponse>
  /** Responses for requests settled elsewhere (Arbiter's UI or API, another process); pending ones are left out. */
  settle(
    requests: readonly AiSdkApprovalRequest[],
    options?: Pick<AnswerOptions, 'experimentalContext'>,
  ): Promise<ToolApprovalResponse[]>
}

export interface AnswerOptions {
  readonly comment?: string
  /** The `experimental_context` of the run, when `context` is a function of it. */
  readonly experimentalContext?: unknown
}

type ExecuteOptions = ToolExecutionOptions & { messages: ModelMessage[] }

function toResponse(approvalId: string, state: ApprovalState): ToolApprovalResponse | null {
  if (state.state === 'approved') return { type: 'tool-approval-response', approvalId, approved: true }
  if (state.state === 'denied')
    return {
      type: 'tool-approval-response',
      approvalId,
      approved: false,
      reason: reasonsForModel(state.reasons),
    }
  return null
}

/**
 * Creates the Vercel AI SDK adapter (`ai` v6): guarded tool sets, and helpers that answer the SDK's
 * tool approval requests through Arbiter's approval desk.
 *
 * @example
 * const arbiter = createAiSdkGuard({ guard, context })
 * const tools = arbiter.guardTools({ payments_transfer: transferTool }, { policyNames: { payments_transfer: 'payments.transfer' } })
 * const first = await generateText({ model, tools, messages })
 * const responses = []
 * for (const part of first.content)
 *   if (part.type === 'tool-approval-request') responses.push(await arbiter.approve(part, { id: 'emp-317', roles: ['payments_officer'] }))
 * messages.push(...first.response.messages, { role: 'tool', content: responses.filter((r) => r !== null) })
 * const second = await generateText({ model, tools, messages })
 */
export function createAiSdkGuard(options: AiSdkGuardOptions): AiSdkGuard {
  const phases: TwoPhaseGuard = createTwoPhaseGuard({
    guard: options.guard,
    namespace: 'ai-sdk',
    ...(options.bindingKey !== undefined ? { bindingKey: options.bindingKey } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  })
  // Framework tool name -> how it appears in policy; the same in every process that builds the tools.
  const names = new Map<string, Pick<HeldCall, 'tool' | 'kind' | 'server'>>()
  const contextOf = (experimentalContext: unknown): CallContext =>
    typeof options.context === 'function' ? options.context(experimentalContext) : options.context

  const register = <TOOLS extends AiSdkToolSet>(name: string, meta: AiSdkToolMeta<TOOLS>) => {
    const entry = {
      tool: meta.policyNames?.[name as keyof TOOLS & string] ?? name,
      ...(meta.kind ? { kind: meta.kind } : {}),
      ...(meta.server ? { server: meta.server } : {}),
    }
    names.set(name, entry)
    return entry
  }

  const callOf = (name: string, callId: string, input: unknown, experimentalContext: unknown): HeldCall => {
    const entry = names.get(name)
    if (!entry) throw new ApprovalError('APPROVAL_NOT_FOUND', `tool ${name} is not guarded by Arbiter`)
    return { ...entry, callId, arguments: input, context: contextOf(experimentalContext) }
  }
  const callOfRequest = (request: AiSdkApprovalRequest, experimentalContext: unknown) =>
    callOf(
      request.toolCall.toolName,
      request.toolCall.toolCallId,
      request.toolCall.input,
      experimentalContext,
    )

  const mapTools = <TOOLS extends AiSdkToolSet>(
    tools: TOOLS,
    meta: AiSdkToolMeta<TOOLS>,
    wrap: (name: string, tool: Tool, execute: NonNullable<Tool['execute']>) => Tool,
  ): TOOLS => {
    const out: AiSdkToolSet = {}
    for (const [name, tool] of Object.entries(tools)) {
      register(name, meta)
      // Tools without `execute` are run by the provider or by the application: nothing to guard here.
      out[name] = tool.execute ? wrap(name, tool, tool.execute) : tool
    }
    return out as TOOLS
  }

  return {
    guardTools: (tools, meta = {}) =>
      mapTools(tools, meta, (name, tool, execute) => ({
        ...tool,
        // The SDK asks again for an approved call when the next request resumes it: same answer.
        needsApproval: (input: unknown, opts: { toolCallId: string; experimental_context?: unknown }) =>
          phases.needsApproval(callOf(name, opts.toolCallId, input, opts.experimental_context)),
        execute: async (input: unknown, opts: ExecuteOptions) => {
          const outcome = await phases.run(
            callOf(name, opts.toolCallId, input, opts.experimental_context),
            () => execute(input, opts),
          )
          return outcome.ran ? outcome.result : outcome.text
        },
      })),

    guardExecute: (tools, meta = {}) =>
      mapTools(tools, meta, (name, tool, execute) => ({
        ...tool,
        // A call id of '' makes the two-phase guard decide, wait for approvers and run in one go.
        execute: async (input: unknown, opts: ExecuteOptions) => {
          const outcome = await phases.run(
            { ...callOf(name, opts.toolCallId, input, opts.experimental_context), callId: '' },
            () => execute(input, opts),
          )
          return outcome.ran ? outcome.result : outcome.text
        },
      })),

    async approve(request, approver, answer = {}) {
      const call = callOfRequest(request, answer.experimentalContext)
      return toResponse(request.approvalId, await phases.answer(call, 'approve', approver, answer.comment))
    },

    async deny(request, approver, answer = {}) {
      const call = callOfRequest(request, answer.experimentalContext)
      const response = toResponse(
        request.approvalId,
        await phases.answer(call, 'deny', approver, answer.comment),
      )
      // A denial settles the request at once (the first valid denial wins).
      return response ?? { type: 'tool-approval-response', approvalId: request.approvalId, approved: false }
    },

    async settle(requests, answer = {}) {
      const responses: ToolApprovalResponse[] = []
      for (const request of requests) {
        if (!names.has(request.toolCall.toolName)) continue
        const state = await phases.approvalState(callOfRequest(request, answer.experimentalContext))
        const response = toResponse(request.approvalId, state)
        if (response) responses.push(response)
      }
      return responses
    },
  }
}
