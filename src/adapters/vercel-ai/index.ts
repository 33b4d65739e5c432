/**
 * The Vercel AI SDK adapter (`ai` v6, an optional peer dependency: only its types are imported here).
 * Tool sets are guarded through the SDK's own tool approval: `needsApproval` asks the guard, a
 * `require_approval` decision becomes a `tool-approval-request`, a second person answers it through
 * Arbiter's approval desk (which returns the `tool-approval-response`), and `execute` runs only
 * allowed or approved calls. `guardExecute` guards plain `tool({ execute })` definitions instead.
 *
 * ```ts
 * const arbiter = createAiSdkGuard({ guard, context })
 * const tools = arbiter.guardTools({ payments_transfer: transfer }, { policyNames: { payments_transfer: 'payments.transfer' } })
 * const first = await generateText({ model, tools, messages })
 * ```
 *
 * Provider-executed tools (`anthropic.tools.webSearch_…`, `openai.tools.webSearch()`, code execution)
 * run at the provider: the SDK never calls local code before they run, so Arbiter cannot gate them.
 */
export {
  type AiSdkApprovalRequest,
  type AiSdkGuard,
  type AiSdkGuardOptions,
  type AiSdkToolMeta,
  type AiSdkToolSet,
  type AnswerOptions,
  createAiSdkGuard,
} from './ai-sdk-guard.js'
