import { Agent, OpenAIProvider, Runner, RunState, ToolCallError, tool } from '@openai/agents'
import { beforeEach, describe, expect, it } from 'vitest'
import {
  createOpenAIAgentsGuard,
  type OpenAIAgentsGuardOptions,
} from '../../src/adapters/openai-agents/index.js'
import { backendFactories } from '../support/backends.js'
import {
  runScenarioTool,
  type ScenarioCall,
  scenarioCalls,
  scenarioContext,
  scenarioTools,
  secondOfficer,
} from '../support/framework-scenario.js'
import { entriesOf, guardFor, openStore, usePgliteGuardEnvironment } from '../support/guard-harness.js'
import {
  lastToolOutputs,
  type ResponsesStandIn,
  useResponsesStandIn,
} from '../support/openai-responses-stand-in.js'

// The real @openai/agents, talking to a local Responses API over HTTP; no SDK internals are replaced.
const call = (id: string): ScenarioCall => scenarioCalls.find((c) => c.id === id)!

describe.each(backendFactories)('OpenAI Agents SDK adapter on %s', (_name, createBackend) => {
  const env = usePgliteGuardEnvironment('openai-agents', {}, createBackend)
  const api = useResponsesStandIn()
  let standIn: ResponsesStandIn
  let runner: Runner
  beforeEach(() => {
    standIn = api.standIn
    const modelProvider = new OpenAIProvider({ apiKey: 'test-key', baseURL: standIn.url, useResponses: true })
    runner = new Runner({ modelProvider, tracingDisabled: true })
  })
  const entries = async () =>
    (await entriesOf(env.store.ledger, env.chain)).map(
      (e) => `${e.type}:${e.body.action ?? e.body.verdict ?? e.body.status ?? ''}`,
    )

  /** An agent with every scenario tool, guarded; `ran` lists the tools that really ran. */
  function setUp(role: ScenarioCall['role'], options: Partial<OpenAIAgentsGuardOptions<unknown>> = {}) {
    const arbiter = createOpenAIAgentsGuard({
      guard: env.guard,
      context: scenarioContext(role, 'openai-agents'),
      ...options,
    })
    const ran: string[] = []
    const tools = scenarioTools.map((t) =>
      tool(
        arbiter.tool(
          {
            name: t.name,
            description: t.description,
            parameters: t.parameters,
            strict: true,
            execute: async (args: unknown) =>
              JSON.stringify(runScenarioTool(ran, t.name, args as Record<string, unknown>)),
          },
          { policyName: t.policyName },
        ),
      ),
    )
    const agent = new Agent({ name: 'assistant', instructions: 'Use the tools.', model: 'gpt-5.1', tools })
    return { arbiter, agent, ran }
  }

  /** The model proposes `c`, then (unless the run stops for approval) answers with the tool output. */
  function scriptCall(c: ScenarioCall, stopsForApproval = false) {
    standIn.script([{ type: 'function_call', name: c.tool, arguments: c.arguments }])
    if (stopsForApproval) return
    standIn.script((request) => [
      { type: 'message', text: `Tool said: ${lastToolOutputs(request).join('\n')}` },
    ])
  }

  it('allow: runs the tool and records the decision and its outcome', async () => {
    const c = call('PHI read by a care assistant')
    const { agent, ran } = setUp(c.role)
    scriptCall(c)
    const result = await runner.run(agent, 'How is the patient?')
    expect(ran).toEqual(['ehr_read_record'])
    expect(result.finalOutput).toContain('potassium_mmol_l')
    expect(await entries()).toEqual(['decision:allow', 'outcome:ok'])
    const [decision, outcome] = await entriesOf(env.store.ledger, env.chain)
    expect(decision?.body.event_id).toMatch(/^openai-agents:openai-agents-care:call_/)
    expect(outcome?.body.event_id).toBe(decision?.body.event_id)
    // The tool declared to the model by its API name, with its JSON schema.
    expect(standIn.requests[0]?.tools?.map((t) => t.name)).toContain('ehr_read_record')
  })

  it('deny: answers the model with the reasons and rule ids; the tool does not run', async () => {
    const c = call('transfer over the limit')
    const { agent, ran } = setUp(c.role)
    scriptCall(c)
    const result = await runner.run(agent, 'Pay Northwind 50,000 USD')
    expect(ran).toEqual([])
    const [sent] = lastToolOutputs(standIn.requests[1]!)
    expect(sent).toContain('blocked by company policy (Arbiter) and did not run')
    expect(sent).toContain('[fintech.transfer_limit]')
    expect(result.finalOutput).toContain('fintech.transfer_limit')
    expect(await entries()).toEqual(['decision:deny'])
  })

  it('require_approval: an interruption, approved by a second officer (four eyes), then the run resumes', async () => {
    const c = call('transfer that needs four eyes')
    const { agent, arbiter, ran } = setUp(c.role)
    scriptCall(c)
    const first = await runner.run(agent, 'Pay Northwind 40,000 USD')
    expect(first.interruptions).toHaveLength(1)
    expect(first.interruptions[0]?.name).toBe('payments_transfer')
    expect(ran).toEqual([])
    // The officer who asked cannot approve their own transfer; the refusal is itself recorded.
    await expect(
      arbiter.approve(first.state, first.interruptions[0]!, { id: 'emp-204', roles: ['payments_officer'] }),
    ).rejects.toThrowWithCode('APPROVAL_FORBIDDEN')
    expect(
      await arbiter.approve(first.state, first.interruptions[0]!, secondOfficer, 'invoice checked'),
    ).toMatchObject({
      state: 'approved',
    })
    const second = await runner.run(agent, first.state)
    expect(second.interruptions).toEqual([])
    expect(ran).toEqual(['payments_transfer'])
    expect(second.finalOutput).toContain('executed')
    expect(await entries()).toEqual([
      'decision:require_approval',
      'approval_request:',
      'approval_refused:',
      'approval:approve',
      'outcome:ok',
    ])
  })

  it('rejected: the model is told why, the tool does not run, the ledger says not_run', async () => {
    const c = call('transfer that needs four eyes')
    const { agent, arbiter, ran } = setUp(c.role)
    scriptCall(c)
    const first = await runner.run(agent, 'Pay Northwind 40,000 USD')
    const verdict = await arbiter.reject(
      first.state,
      first.interruptions[0]!,
      secondOfficer,
      'no invoice on file',
    )
    expect(verdict).toMatchObject({ state: 'denied' })
    await runner.run(agent, first.state)
    expect(ran).toEqual([])
    const [sent] = lastToolOutputs(standIn.requests[1]!)
    expect(sent).toContain('approval denied by emp-317: no invoice on file [arbiter.approval_denied]')
    expect(sent).toContain('[fintech.four_eyes]')
    expect(await entries()).toEqual([
      'decision:require_approval',
      'approval_request:',
      'approval:deny',
      'outcome:not_run',
    ])
  })

  it('streams: the same approval flow over server-sent events', async () => {
    const c = call('transfer that needs four eyes')
    const { agent, arbiter, ran } = setUp(c.role)
    scriptCall(c)
    const first = await runner.run(agent, 'Pay Northwind 40,000 USD', { stream: true })
    await first.completed
    expect(first.interruptions).toHaveLength(1)
    await arbiter.approve(first.state, first.interruptions[0]!, secondOfficer)
    const second = await runner.run(agent, first.state, { stream: true })
    await second.completed
    expect(ran).toEqual(['payments_transfer'])
    expect(standIn.requests.map((r) => r.stream)).toEqual([true, true])
    expect(await entries()).toEqual([
      'decision:require_approval',
      'approval_request:',
      'approval:approve',
      'outcome:ok',
    ])
  })

  it('resumes in another process: approved in the ledger, applied with settle, run with the binding key', async () => {
    const c = call('transfer that needs four eyes')
    const bindingKey = 'shared-instance-secret'
    const here = setUp(c.role, { bindingKey })
    scriptCall(c)
    const first = await runner.run(here.agent, 'Pay Northwind 40,000 USD')
    const saved = first.state.toString()
    // The approver uses Arbiter's own desk (as its web UI does), not the SDK.
    const [pending] = await env.guard.approvals.pending()
    await env.guard.approvals.approve(pending!.approvalId, secondOfficer)
    // "Another process": a fresh adapter with no memory of the call, the state restored from a string.
    const there = setUp(c.role, { bindingKey })
    const state = await RunState.fromString(there.agent, saved)
    expect(await there.arbiter.settle(state)).toMatchObject({ approved: 1, rejected: 0, pending: [] })
    await runner.run(there.agent, state)
    expect(there.ran).toEqual(['payments_transfer'])
    expect(here.ran).toEqual([])
    expect(await entries()).toEqual([
      'decision:require_approval',
      'approval_request:',
      'approval:approve',
      'outcome:ok',
    ])
  })

  it('refuses to run a call decided elsewhere when no binding key ties it to its arguments', async () => {
    const c = call('transfer that needs four eyes')
    const here = setUp(c.role)
    scriptCall(c)
    const first = await runner.run(here.agent, 'Pay Northwind 40,000 USD')
    const [pending] = await env.guard.approvals.pending()
    await env.guard.approvals.approve(pending!.approvalId, secondOfficer)
    const there = setUp(c.role)
    const state = await RunState.fromString(there.agent, first.state.toString())
    await there.arbiter.settle(state)
    await runner.run(there.agent, state)
    expect(there.ran).toEqual([])
    expect(lastToolOutputs(standIn.requests[1]!)[0]).toContain('[arbiter.unbound_call]')
  })

  it('fails closed: when the decision cannot be recorded the run stops and the tool does not run', async () => {
    const c = call('PHI read by a care assistant')
    const closed = await openStore(env.backend)
    await closed.close()
    const { agent, ran } = setUp(c.role, { guard: guardFor(closed.ledger, env.policy, { chain: env.chain }) })
    scriptCall(c)
    // The SDK wraps what a tool hook throws in its ToolCallError; the guard's error is its `error`.
    const failure = await runner.run(agent, 'How is the patient?').catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(ToolCallError)
    expect((failure as ToolCallError).error).toMatchObject({ code: 'GUARD_LEDGER_UNAVAILABLE' })
    expect(ran).toEqual([])
  })

  it('records the issue scenario: action and rule ids per call', async () => {
    const seen: Array<{ id: string; action: unknown; rules: unknown }> = []
    for (const c of scenarioCalls) {
      const { agent } = setUp(c.role)
      scriptCall(c, c.action === 'require_approval')
      await runner.run(agent, c.id)
      const decisions = (await entriesOf(env.store.ledger, env.chain)).filter((e) => e.type === 'decision')
      const last = decisions.at(-1)!.body
      seen.push({
        id: c.id,
        action: last.action,
        rules: (last.reasons as Array<{ rule: string }>).map((r) => r.rule),
      })
    }
    expect(seen).toEqual(scenarioCalls.map((c) => ({ id: c.id, action: c.action, rules: [...c.rules] })))
  })
})
