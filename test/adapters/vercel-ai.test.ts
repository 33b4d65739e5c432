import { createAnthropic } from '@ai-sdk/anthropic'
import {
  generateText,
  jsonSchema,
  type ModelMessage,
  stepCountIs,
  streamText,
  type Tool,
  type ToolApprovalResponse,
  tool,
} from 'ai'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import {
  type AiSdkApprovalRequest,
  type AiSdkGuardOptions,
  createAiSdkGuard,
} from '../../src/adapters/vercel-ai/index.js'
import { lastToolResultText } from '../../src/demo/scenarios/fintech.js'
import { type MessagesSseStandIn, useMessagesSseStandIn } from '../support/anthropic-sse-stand-in.js'
import { backendFactories } from '../support/backends.js'
import {
  runScenarioTool,
  type ScenarioCall,
  scenarioCalls,
  scenarioContext,
  scenarioTools,
  secondOfficer,
} from '../support/framework-scenario.js'
import { entriesOf, usePgliteGuardEnvironment } from '../support/guard-harness.js'

// The real `ai` and `@ai-sdk/anthropic`, talking to a local Messages API over HTTP (JSON and SSE).
const call = (id: string): ScenarioCall => scenarioCalls.find((c) => c.id === id)!
const policyNames = Object.fromEntries(scenarioTools.map((t) => [t.name, t.policyName]))

describe.each(backendFactories)('Vercel AI SDK adapter on %s', (_name, createBackend) => {
  const env = usePgliteGuardEnvironment('vercel-ai', {}, createBackend)
  const api = useMessagesSseStandIn()
  let standIn: MessagesSseStandIn
  let model: ReturnType<ReturnType<typeof createAnthropic>>
  beforeEach(() => {
    standIn = api.standIn
    model = createAnthropic({ apiKey: 'test-key', baseURL: standIn.url })('claude-sonnet-4-5')
  })
  const entries = async () =>
    (await entriesOf(env.store.ledger, env.chain)).map(
      (e) => `${e.type}:${e.body.action ?? e.body.verdict ?? e.body.status ?? ''}`,
    )

  /** Every scenario tool as a plain `tool({ execute })`; `ran` lists the tools that really ran. */
  function setUp(role: ScenarioCall['role'], options: Partial<AiSdkGuardOptions> = {}) {
    const arbiter = createAiSdkGuard({
      guard: env.guard,
      context: scenarioContext(role, 'vercel-ai'),
      ...options,
    })
    const ran: string[] = []
    const plain: Record<string, Tool> = Object.fromEntries(
      scenarioTools.map((t) => [
        t.name,
        tool({
          description: t.description,
          inputSchema: jsonSchema<Record<string, unknown>>(t.parameters),
          execute: async (args) => runScenarioTool(ran, t.name, args),
        }),
      ]),
    )
    return { arbiter, ran, plain, tools: arbiter.guardTools(plain, { policyNames }) }
  }

  /** The model proposes `c`, then (unless the run stops for approval) answers with the tool result. */
  function scriptCall(c: ScenarioCall, stopsForApproval = false) {
    standIn.scriptMessages({ content: [{ type: 'tool_use', name: c.tool, input: c.arguments }] })
    if (!stopsForApproval)
      standIn.scriptMessages((req) => ({
        content: [{ type: 'text', text: `Tool said: ${lastToolResultText(req)}` }],
      }))
  }

  const approvalRequests = (content: ReadonlyArray<{ type: string }>) =>
    content.filter((p): p is AiSdkApprovalRequest & { type: string } => p.type === 'tool-approval-request')

  it('allow: runs the tool and records the decision and its outcome', async () => {
    const c = call('PHI read by a care assistant')
    const { tools, ran } = setUp(c.role)
    scriptCall(c)
    const result = await generateText({
      model,
      tools,
      prompt: 'How is the patient?',
      stopWhen: stepCountIs(5),
    })
    expect(ran).toEqual(['ehr_read_record'])
    expect(result.text).toContain('potassium_mmol_l')
    expect(await entries()).toEqual(['decision:allow', 'outcome:ok'])
    expect(standIn.requests[0]?.tools?.map((t) => t.name)).toContain('ehr_read_record')
  })

  it('deny: the tool result tells the model why (rule ids); the tool does not run', async () => {
    const c = call('transfer over the limit')
    const { tools, ran } = setUp(c.role)
    scriptCall(c)
    const result = await generateText({ model, tools, prompt: 'Pay Northwind', stopWhen: stepCountIs(5) })
    expect(ran).toEqual([])
    const sent = lastToolResultText(standIn.requests[1]!)
    expect(sent).toContain('blocked by company policy (Arbiter) and did not run')
    expect(sent).toContain('[fintech.transfer_limit]')
    expect(result.text).toContain('fintech.transfer_limit')
    expect(await entries()).toEqual(['decision:deny'])
  })

  it('require_approval: a tool-approval-request, approved by a second officer (four eyes), then executed', async () => {
    const c = call('transfer that needs four eyes')
    const { tools, ran, arbiter } = setUp(c.role)
    scriptCall(c)
    const messages: ModelMessage[] = [{ role: 'user', content: 'Pay Northwind 40,000 USD' }]
    const first = await generateText({ model, tools, messages, stopWhen: stepCountIs(5) })
    const [request] = approvalRequests(first.content)
    expect(request?.toolCall.toolName).toBe('payments_transfer')
    expect(ran).toEqual([])
    await expect(
      arbiter.approve(request!, { id: 'emp-204', roles: ['payments_officer'] }),
    ).rejects.toThrowWithCode('APPROVAL_FORBIDDEN')
    const response = await arbiter.approve(request!, secondOfficer, { comment: 'invoice checked' })
    expect(response).toEqual({
      type: 'tool-approval-response',
      approvalId: request!.approvalId,
      approved: true,
    })
    messages.push(...first.response.messages, { role: 'tool', content: [response!] })
    const second = await generateText({ model, tools, messages, stopWhen: stepCountIs(5) })
    expect(ran).toEqual(['payments_transfer'])
    expect(second.text).toContain('executed')
    expect(await entries()).toEqual([
      'decision:require_approval',
      'approval_request:',
      'approval_refused:',
      'approval:approve',
      'outcome:ok',
    ])
  })

  it('denied with a reason: the model gets it, the tool does not run, the ledger says not_run', async () => {
    const c = call('transfer that needs four eyes')
    const { tools, ran, arbiter } = setUp(c.role)
    scriptCall(c)
    const messages: ModelMessage[] = [{ role: 'user', content: 'Pay Northwind 40,000 USD' }]
    const first = await generateText({ model, tools, messages, stopWhen: stepCountIs(5) })
    const [request] = approvalRequests(first.content)
    const response = await arbiter.deny(request!, secondOfficer, { comment: 'no invoice on file' })
    expect(response).toMatchObject({ approved: false })
    expect(response.reason).toContain(
      'approval denied by emp-317: no invoice on file [arbiter.approval_denied]',
    )
    messages.push(...first.response.messages, { role: 'tool', content: [response] })
    await generateText({ model, tools, messages, stopWhen: stepCountIs(5) })
    expect(ran).toEqual([])
    expect(lastToolResultText(standIn.requests[1]!)).toContain('[fintech.four_eyes]')
    expect(await entries()).toEqual([
      'decision:require_approval',
      'approval_request:',
      'approval:deny',
      'outcome:not_run',
    ])
  })

  it('waits for every approver the policy requires (two for a transfer above 100,000 USD)', async () => {
    const c = {
      ...call('transfer that needs four eyes'),
      arguments: { ...call('transfer that needs four eyes').arguments, amount: 150_000 },
    }
    const { tools, ran, arbiter } = setUp(c.role)
    scriptCall(c)
    const messages: ModelMessage[] = [{ role: 'user', content: 'Pay Northwind 150,000 USD' }]
    const first = await generateText({ model, tools, messages, stopWhen: stepCountIs(5) })
    const [request] = approvalRequests(first.content)
    expect(await arbiter.approve(request!, secondOfficer)).toBeNull()
    await expect(arbiter.approve(request!, secondOfficer)).rejects.toThrowWithCode('APPROVAL_FORBIDDEN')
    const response = await arbiter.approve(request!, { id: 'tm-9', roles: ['treasury_manager'] })
    expect(response).toMatchObject({ approved: true })
    messages.push(...first.response.messages, { role: 'tool', content: [response!] })
    await generateText({ model, tools, messages, stopWhen: stepCountIs(5) })
    expect(ran).toEqual(['payments_transfer'])
  })

  it('streams: the same approval flow with streamText over server-sent events', async () => {
    const c = call('transfer that needs four eyes')
    const { tools, ran, arbiter } = setUp(c.role)
    scriptCall(c)
    const messages: ModelMessage[] = [{ role: 'user', content: 'Pay Northwind 40,000 USD' }]
    const first = streamText({ model, tools, messages, stopWhen: stepCountIs(5) })
    const [request] = approvalRequests(await first.content)
    const response = await arbiter.approve(request!, secondOfficer)
    messages.push(...(await first.response).messages, { role: 'tool', content: [response!] })
    const second = streamText({ model, tools, messages, stopWhen: stepCountIs(5) })
    expect(await second.text).toContain('executed')
    expect(ran).toEqual(['payments_transfer'])
    expect(standIn.requests.map((r) => r.streamed)).toEqual([true, true])
    expect(await entries()).toEqual([
      'decision:require_approval',
      'approval_request:',
      'approval:approve',
      'outcome:ok',
    ])
  })

  it('settle: answers requests approved elsewhere (Arbiter UI/API), and a stateless second request runs it', async () => {
    const c = call('transfer that needs four eyes')
    const bindingKey = 'shared-instance-secret'
    const here = setUp(c.role, { bindingKey })
    scriptCall(c)
    const messages: ModelMessage[] = [{ role: 'user', content: 'Pay Northwind 40,000 USD' }]
    const first = await generateText({ model, tools: here.tools, messages, stopWhen: stepCountIs(5) })
    const requests = approvalRequests(first.content)
    expect(await here.arbiter.settle(requests)).toEqual([])
    const [pending] = await env.guard.approvals.pending()
    await env.guard.approvals.approve(pending!.approvalId, secondOfficer)
    // The next HTTP request of a stateless app: fresh adapter, messages from the client.
    const there = setUp(c.role, { bindingKey })
    const responses: ToolApprovalResponse[] = await there.arbiter.settle(requests)
    expect(responses).toMatchObject([{ approved: true }])
    messages.push(...first.response.messages, { role: 'tool', content: responses })
    await generateText({ model, tools: there.tools, messages, stopWhen: stepCountIs(5) })
    expect(there.ran).toEqual(['payments_transfer'])
    expect(await entries()).toEqual([
      'decision:require_approval',
      'approval_request:',
      'approval:approve',
      'outcome:ok',
    ])
  })

  it('guardExecute: plain tools, policy before execute, approvals awaited through the guard', async () => {
    const denied = call('transfer over the limit')
    const teller = setUp(denied.role)
    scriptCall(denied)
    const plainTools = teller.arbiter.guardExecute(teller.plain, { policyNames })
    await generateText({ model, tools: plainTools, prompt: 'Pay', stopWhen: stepCountIs(5) })
    expect(teller.ran).toEqual([])
    expect(lastToolResultText(standIn.requests[1]!)).toContain('[fintech.transfer_limit]')

    const held = call('transfer that needs four eyes')
    const officer = setUp(held.role)
    scriptCall(held)
    const running = generateText({
      model,
      tools: officer.arbiter.guardExecute(officer.plain, { policyNames }),
      prompt: 'Pay',
      stopWhen: stepCountIs(5),
    })
    const pending = await vi.waitFor(async () => {
      const [open] = await env.guard.approvals.pending()
      if (!open) throw new Error('no approval request yet')
      return open
    })
    await env.guard.approvals.approve(pending.approvalId, secondOfficer)
    expect((await running).text).toContain('executed')
    expect(officer.ran).toEqual(['payments_transfer'])
  })

  it('records the issue scenario: action and rule ids per call', async () => {
    const seen: Array<{ id: string; action: unknown; rules: unknown }> = []
    for (const c of scenarioCalls) {
      const { tools } = setUp(c.role)
      scriptCall(c, c.action === 'require_approval')
      await generateText({ model, tools, prompt: c.id, stopWhen: stepCountIs(5) })
      const last = (await entriesOf(env.store.ledger, env.chain))
        .filter((e) => e.type === 'decision')
        .at(-1)!.body
      seen.push({
        id: c.id,
        action: last.action,
        rules: (last.reasons as Array<{ rule: string }>).map((r) => r.rule),
      })
    }
    expect(seen).toEqual(scenarioCalls.map((c) => ({ id: c.id, action: c.action, rules: [...c.rules] })))
  })
})
