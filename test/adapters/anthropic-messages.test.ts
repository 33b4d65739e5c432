import type Anthropic from '@anthropic-ai/sdk'
import { betaTool } from '@anthropic-ai/sdk/helpers/beta/json-schema'
import { beforeEach, describe, expect, it } from 'vitest'
import { guardRunnableTool, runGuardedToolLoop } from '../../src/adapters/anthropic-messages/index.js'
import { fintechTools, lastToolResultText } from '../../src/demo/scenarios/fintech.js'
import type { Guard } from '../../src/guard/index.js'
import type { PolicyEngine } from '../../src/policy/index.js'
import { type StandInServer, useStandIn } from '../support/anthropic-stand-in.js'
import { defined, eventually } from '../support/eventually.js'
import {
  contexts,
  entriesOf,
  guardFor,
  type LedgerStore,
  openStore,
  transferArgs,
  usePgliteGuardEnvironment,
} from '../support/guard-harness.js'

// One PGlite database and the real policy per file; a fresh chain, guard and stand-in API per test.
const env = usePgliteGuardEnvironment('messages')
const api = useStandIn()
let policy: PolicyEngine
let store: LedgerStore
let chain: string
let guard: Guard
let standIn: StandInServer
let client: Anthropic
beforeEach(() => {
  ;({ policy, store, chain, guard } = env)
  ;({ standIn, client } = api)
})
const entries = () => entriesOf(store.ledger, chain)

const request = {
  model: 'claude-sonnet-5-5',
  max_tokens: 512,
  messages: [{ role: 'user' as const, content: 'Pay Northwind 50,000 USD' }],
}

describe('runGuardedToolLoop', () => {
  it('denies a transfer over the limit and explains the policy to the model', async () => {
    const balances = new Map([['4401778812', 100_000]])
    standIn.scriptMessages(
      {
        content: [
          { type: 'tool_use', name: 'accounts_get_balance', input: { account_number: '4401778812' } },
        ],
      },
      { content: [{ type: 'tool_use', name: 'payments_transfer', input: transferArgs(50_000) }] },
      (req) => ({ content: [{ type: 'text', text: `Understood: ${lastToolResultText(req)}` }] }),
    )
    const result = await runGuardedToolLoop({
      client,
      guard,
      tools: fintechTools(balances),
      context: contexts.teller,
      request,
    })
    expect(result.turns).toBe(3)
    expect(result.toolCalls.map((c) => [c.tool, c.outcome])).toEqual([
      ['accounts.get_balance', 'ran'],
      ['payments.transfer', 'denied'],
    ])
    expect(balances.get('4401778812')).toBe(100_000)

    // What went over the wire to the model for the denied call.
    const sent = standIn.messageRequests[2]!.messages.at(-1)!
    expect(sent.role).toBe('user')
    const [toolResult] = sent.content as Array<Record<string, unknown>>
    expect(toolResult).toMatchObject({ type: 'tool_result', is_error: true })
    expect(String(toolResult?.content)).toContain(
      'transfer of 50000 USD exceeds the 10000 USD limit of principal emp-101',
    )
    expect(String(toolResult?.content)).toContain('[fintech.transfer_limit]')
    // The allowed call went back as a normal result with the tool's output.
    const first = standIn.messageRequests[1]!.messages.at(-1)!.content as Array<Record<string, unknown>>
    expect(first[0]).not.toHaveProperty('is_error')
    expect(JSON.parse(String(first[0]?.content))).toEqual({
      account_number: '4401778812',
      balance_usd: 100_000,
    })

    const recorded = await entries()
    expect(recorded.map((e) => `${e.type}:${e.body.action ?? e.body.status}`)).toEqual([
      'decision:allow',
      'outcome:ok',
      'decision:deny',
    ])
    // Every tool declared to the model, by its API name.
    expect((standIn.messageRequests[0]!.tools ?? []).map((t) => t.name)).toEqual([
      'accounts_get_balance',
      'payments_transfer',
    ])
  })

  it('waits for a second officer before a large transfer runs', async () => {
    const balances = new Map([['4401778812', 100_000]])
    standIn.scriptMessages(
      { content: [{ type: 'tool_use', name: 'payments_transfer', input: transferArgs(40_000) }] },
      { content: [{ type: 'text', text: 'Paid.' }] },
    )
    const loop = runGuardedToolLoop({
      client,
      guard,
      tools: fintechTools(balances),
      context: contexts.officer,
      request,
    })
    const approvalId = await eventually(
      async () => defined((await guard.approvals.pending())[0], 'an approval request').approvalId,
    )
    await expect(
      guard.approvals.approve(approvalId, { id: 'emp-204', roles: ['payments_officer'] }),
    ).rejects.toThrowWithCode('APPROVAL_FORBIDDEN')
    await guard.approvals.approve(approvalId, { id: 'emp-317', roles: ['payments_officer'] })
    const result = await loop
    expect(result.toolCalls.map((c) => c.outcome)).toEqual(['ran'])
    expect(balances.get('4401778812')).toBe(60_000)
  })

  it('answers an unknown tool with an error result and records nothing', async () => {
    standIn.scriptMessages(
      { content: [{ type: 'tool_use', name: 'shell_exec', input: { cmd: 'rm -rf /' } }] },
      { content: [{ type: 'text', text: 'ok' }] },
    )
    const result = await runGuardedToolLoop({ client, guard, tools: [], context: contexts.teller, request })
    expect(result.toolCalls[0]).toMatchObject({ outcome: 'invalid' })
    expect(await entries()).toEqual([])
  })

  it('stops the loop with GUARD_LEDGER_UNAVAILABLE when decisions cannot be recorded', async () => {
    let ran = false
    standIn.scriptMessages({
      content: [{ type: 'tool_use', name: 'accounts_get_balance', input: { account_number: '1' } }],
    })
    const closed = await openStore(env.backend)
    await closed.close()
    const failing = guardFor(closed.ledger, policy, { chain })
    const tools = [
      {
        policyName: 'accounts.get_balance',
        definition: fintechTools(new Map())[0]!.definition,
        run: () => {
          ran = true
        },
      },
    ]
    await expect(
      runGuardedToolLoop({ client, guard: failing, tools, context: contexts.teller, request }),
    ).rejects.toThrowWithCode('GUARD_LEDGER_UNAVAILABLE')
    expect(ran).toBe(false)
  })
})

describe('guardRunnableTool with the SDK tool runner', () => {
  it('turns a denial into the runner’s is_error tool result', async () => {
    let ran = false
    const transfer = betaTool({
      name: 'payments_transfer',
      description: 'Transfer money',
      inputSchema: { type: 'object', properties: { amount: { type: 'number' } }, required: ['amount'] },
      run: () => {
        ran = true
        return 'sent'
      },
    })
    standIn.scriptMessages(
      { content: [{ type: 'tool_use', name: 'payments_transfer', input: transferArgs(50_000) }] },
      (req) => ({ content: [{ type: 'text', text: lastToolResultText(req) }] }),
    )
    const final = await client.beta.messages.toolRunner({
      ...request,
      tools: [
        guardRunnableTool(guard, transfer, { context: contexts.teller, policyName: 'payments.transfer' }),
      ],
    })
    expect(ran).toBe(false)
    const sent = standIn.messageRequests[1]!.messages.at(-1)!.content as Array<Record<string, unknown>>
    expect(sent[0]).toMatchObject({ type: 'tool_result', is_error: true })
    expect(JSON.stringify(sent[0]?.content)).toContain('fintech.transfer_limit')
    expect(final.content[0]).toMatchObject({ type: 'text' })
  })
})
