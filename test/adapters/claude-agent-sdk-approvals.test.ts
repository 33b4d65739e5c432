import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { createClaudeAgentGuard } from '../../src/adapters/claude-agent-sdk/index.js'
import { type CallContext, createGuard } from '../../src/guard/index.js'
import type { PolicyEngine } from '../../src/policy/index.js'
import { type ServerFixture, startServerFixture } from '../server/server-fixture.js'
import { useStandIn } from '../support/anthropic-stand-in.js'
import { backendFactories, type TestBackend } from '../support/backends.js'
import {
  runAgent,
  scenarioToolNames,
  standInOptions,
  type ToolLog,
  useClaudeWorkspace,
} from '../support/claude-agent.js'
import { entriesOf, loadTestPolicy, redactionKey, transferArgs } from '../support/guard-harness.js'

// require_approval through the SDK's own permission callback: the Claude Code process holds the call
// in `canUseTool` while a second identity approves over the HTTP API of a real `arbiter serve`
// composition on the same database.
const api = useStandIn()
const ws = useClaudeWorkspace()
let policy: PolicyEngine
beforeAll(async () => {
  policy = await loadTestPolicy()
  return () => policy.close()
})

// emp-101 (the fixture's agent key may act for it) as a payments officer: 50,000 USD needs one more
// payments officer (fintech.four_eyes).
const requester: CallContext = {
  agent: { id: 'fin-assistant', runtime: 'claude-agent-sdk' },
  principal: { id: 'emp-101', roles: ['payments_officer'], tenant: 'acme' },
  session: { id: 'sess-claude-four-eyes' },
}

describe.each(backendFactories)('require_approval over HTTP (%s)', (_name, makeBackend) => {
  let backend: TestBackend
  let server: ServerFixture
  beforeEach(async () => {
    backend = await makeBackend()
    server = await startServerFixture(backend)
  })
  afterEach(async () => {
    await server.close()
    await backend.dispose()
  })

  it('holds the call in canUseTool until a second identity approves it over HTTP, then runs it', async () => {
    const guard = createGuard({ policy, ledger: server.ledger, redactionKey, approvals: { pollMs: 20 } })
    const log: ToolLog = { calls: [] }
    const claude = createClaudeAgentGuard({ guard, context: requester, toolNames: scenarioToolNames })
    api.standIn.scriptMessages(
      { content: [{ type: 'tool_use', name: 'mcp__bank__payments_transfer', input: transferArgs(50_000) }] },
      (request) => ({
        content: [{ type: 'text', text: `after approval: ${JSON.stringify(request.messages.at(-1))}` }],
      }),
    )
    const running = runAgent(
      'Pay Northwind 50,000 USD',
      claude.queryOptions(standInOptions(api.standIn.url, ws, log)),
    )

    const approvalId = await vi.waitFor(
      async () => {
        const response = await server.call('/v1/approvals?status=pending', { key: server.keys.approver })
        const { approvals } = (await response.json()) as { approvals: Array<{ approval_id: string }> }
        if (!approvals[0]) throw new Error('no pending approval yet')
        return approvals[0].approval_id
      },
      { timeout: 30_000, interval: 50 },
    )
    expect(log.calls).toEqual([])
    // Four eyes: the principal of the call may not approve it, even holding the role.
    const own = await server.call(`/v1/approvals/${approvalId}`, {
      method: 'POST',
      key: server.keys.selfApprover,
      body: { verdict: 'approve' },
    })
    expect(own.status).toBe(403)
    const approved = await server.call(`/v1/approvals/${approvalId}`, {
      method: 'POST',
      key: server.keys.approver,
      body: { verdict: 'approve', comment: 'invoice 77 checked' },
    })
    expect(await approved.json()).toMatchObject({ state: 'approved' })

    const run = await running
    expect(run.error).toBeUndefined()
    expect(log.calls).toEqual([{ tool: 'payments_transfer', args: transferArgs(50_000) }])
    const sent = JSON.stringify(api.standIn.messageRequests[1]?.messages.at(-1))
    expect(sent).toContain('transfer of 50000 USD sent')

    const entries = (await entriesOf(server.ledger)).filter((e) => e.type !== 'policy_loaded')
    expect(entries.map((e) => e.type)).toEqual([
      'decision',
      'approval_request',
      'approval_refused',
      'approval',
      'outcome',
    ])
    const [decision, , , approval, outcome] = entries.map((e) => e.body)
    expect(decision).toMatchObject({ action: 'require_approval', reasons: [{ rule: 'fintech.four_eyes' }] })
    expect(approval).toMatchObject({ approver: { id: 'officer-2' } })
    expect(outcome).toMatchObject({
      decision_id: decision?.decision_id,
      event_id: decision?.event_id,
      status: 'ok',
    })
  })
})
