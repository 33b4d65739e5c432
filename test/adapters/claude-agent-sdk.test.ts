import { existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Options } from '@anthropic-ai/claude-agent-sdk'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  type ClaudeDecisionReport,
  createClaudeAgentGuard,
} from '../../src/adapters/claude-agent-sdk/index.js'
import { type CallContext, createApprovalDesk, type Guard } from '../../src/guard/index.js'
import { buildBundle, loadPolicyEngine, type PolicyEngine } from '../../src/policy/index.js'
import { type StandInServer, useStandIn } from '../support/anthropic-stand-in.js'
import {
  runAgent,
  scenarioToolNames,
  standInOptions,
  type ToolLog,
  useClaudeWorkspace,
} from '../support/claude-agent.js'
import { entriesOf, guardFor, transferArgs, usePgliteGuardEnvironment } from '../support/guard-harness.js'

// The real SDK runs its bundled Claude Code process, which talks (streaming) to the stand-in API; the
// guard writes to PGlite with the real compiled policy. One database per file; a fresh chain, guard,
// stand-in, working directory and HOME per test.
const env = usePgliteGuardEnvironment('claude')
const api = useStandIn()
const ws = useClaudeWorkspace()
let standIn: StandInServer
let guard: Guard
let log: ToolLog
let decisions: ClaudeDecisionReport[]
beforeEach(() => {
  standIn = api.standIn
  guard = env.guard
  log = { calls: [] }
  decisions = []
})

const teller: CallContext = {
  agent: { id: 'fin-assistant', runtime: 'claude-agent-sdk' },
  principal: { id: 'emp-101', roles: ['teller'], tenant: 'acme' },
  session: { id: 'sess-claude-teller' },
}
const clinician: CallContext = {
  agent: { id: 'care-assistant', runtime: 'claude-agent-sdk' },
  principal: { id: 'dr-chen', roles: ['clinician'], tenant: 'st-mary' },
  session: { id: 'sess-claude-care' },
}

/** `query()` options through the adapter's helper, for the stand-in, the workspace and the scenario's MCP servers. */
function guardedOptions(
  context: CallContext,
  extra: Record<string, unknown> = {},
  forGuard: Guard = guard,
): Options {
  const claude = createClaudeAgentGuard({
    guard: forGuard,
    context,
    toolNames: scenarioToolNames,
    onDecision: (d) => decisions.push(d),
  })
  return claude.queryOptions({ ...standInOptions(standIn.url, ws, log), ...extra })
}

/** The tool results Claude Code sent back to the model in its request after the tool turn. */
function toolResultsSent(requestIndex = 1): Array<Record<string, unknown>> {
  const request = standIn.messageRequests[requestIndex]
  if (!request) return []
  const last = request.messages.at(-1)!
  return (Array.isArray(last.content) ? last.content : []).filter((b) => b.type === 'tool_result') as Array<
    Record<string, unknown>
  >
}

const resultText = (block: Record<string, unknown> | undefined): string =>
  typeof block?.content === 'string' ? block.content : JSON.stringify(block?.content)

async function bodies(type: string, chain = env.chain) {
  return (await entriesOf(env.store.ledger, chain)).filter((e) => e.type === type).map((e) => e.body)
}

describe('Claude Agent SDK adapter, through the real Claude Code process', () => {
  it('allows a call policy allows: the tool runs, the decision and its outcome are linked by tool_use_id', async () => {
    standIn.scriptMessages(
      {
        content: [
          { type: 'text', text: 'Checking the balance.' },
          {
            type: 'tool_use',
            name: 'mcp__bank__accounts_get_balance',
            input: { account_number: '4401778812' },
          },
        ],
      },
      { content: [{ type: 'text', text: 'Your balance is 1200 USD.' }] },
    )
    const run = await runAgent('What is my balance?', guardedOptions(teller))
    expect(run.error).toBeUndefined()
    expect(run.result?.subtype).toBe('success')
    expect(log.calls).toEqual([{ tool: 'accounts_get_balance', args: { account_number: '4401778812' } }])

    const [result] = toolResultsSent()
    expect(result?.is_error).toBeUndefined()
    const [block] = (result?.content ?? []) as Array<{ text: string }>
    expect(JSON.parse(String(block?.text))).toEqual({
      account_number: '4401778812',
      balance_usd: 1200,
    })
    const toolUseId = String(result?.tool_use_id)
    const [decision] = await bodies('decision')
    expect(decision).toMatchObject({
      event_id: toolUseId,
      action: 'allow',
      reasons: [{ rule: 'common.tool_allowlist' }],
      input: {
        tool: { name: 'accounts.get_balance', kind: 'mcp', server: 'bank' },
        agent: { id: 'fin-assistant', runtime: 'claude-agent-sdk' },
        context: { claude_agent_sdk: { tool: 'mcp__bank__accounts_get_balance', mcp_source: 'sdk' } },
      },
    })
    const [outcome] = await bodies('outcome')
    expect(outcome).toMatchObject({ decision_id: decision?.decision_id, event_id: toolUseId, status: 'ok' })
    expect(outcome?.result_sha256).toMatch(/^[0-9a-f]{64}$/)
    expect(decisions).toEqual([
      expect.objectContaining({ toolUseId, action: 'allow', tool: 'accounts.get_balance' }),
    ])
  })

  it('denies a Write policy does not allow: the model is told the rule ids and the file never exists', async () => {
    const target = join(ws.cwd, 'payout.csv')
    standIn.scriptMessages(
      {
        content: [
          { type: 'tool_use', name: 'Write', input: { file_path: target, content: 'iban,amount\n' } },
        ],
      },
      { content: [{ type: 'text', text: 'I may not write files.' }] },
    )
    const run = await runAgent('Save the payout list', guardedOptions(teller))
    expect(run.result?.subtype).toBe('success')
    expect(existsSync(target)).toBe(false)

    const [result] = toolResultsSent()
    expect(result?.is_error).toBe(true)
    expect(resultText(result)).toContain('blocked by company policy (Arbiter) and did not run')
    expect(resultText(result)).toContain('[common.default_deny]')
    const [decision] = await bodies('decision')
    expect(decision).toMatchObject({
      event_id: result?.tool_use_id,
      action: 'deny',
      reasons: [{ rule: 'common.default_deny' }],
      input: { tool: { name: 'files.write', kind: 'builtin' } },
    })
    expect(await bodies('outcome')).toEqual([])
  })

  it('drives the fintech and health scenario and reads action and rule ids back from the ledger', async () => {
    const officer: CallContext = { ...teller, principal: { id: 'emp-204', roles: ['payments_officer'] } }
    standIn.scriptMessages(
      {
        content: [
          { type: 'tool_use', name: 'mcp__bank__payments_transfer', input: transferArgs(300_000) },
          { type: 'tool_use', name: 'mcp__bank__payments_transfer', input: transferArgs(40_000) },
          { type: 'tool_use', name: 'mcp__misc__crypto_mixer', input: { amount: 10 } },
        ],
      },
      { content: [{ type: 'text', text: 'done' }] },
    )
    const fin = runAgent('Pay the invoices', guardedOptions(officer))
    // The 40,000 transfer waits for a second payments officer; a desk of its own on the same ledger
    // (as in another process) approves it.
    const desk = createApprovalDesk({ ledger: env.store.ledger, chain: env.chain })
    const pending = await vi.waitFor(
      async () => {
        const [open] = await desk.pending()
        if (!open) throw new Error('no approval request yet')
        return open
      },
      { timeout: 30_000, interval: 50 },
    )
    await desk.approve(pending.approvalId, { id: 'officer-2', roles: ['payments_officer'] })
    expect((await fin).result?.subtype).toBe('success')

    standIn.scriptMessages(
      {
        content: [
          {
            type: 'tool_use',
            name: 'mcp__ehr__read_record',
            input: { patient_id: 'MRN-004211', purpose: 'treatment' },
          },
          {
            type: 'tool_use',
            name: 'mcp__mail__send',
            input: { to: 'x@example.com', subject: 'note', body: 'patient MRN-004211 allergies' },
          },
        ],
      },
      { content: [{ type: 'text', text: 'done' }] },
    )
    expect((await runAgent('Check the allergies', guardedOptions(clinician))).result?.subtype).toBe('success')

    // Action and rule ids per call, read back from the ledger by tool_use_id.
    const table = []
    for (const report of decisions) {
      const [decision] = await guard.findByEvent(report.toolUseId, 'decision')
      table.push({
        tool: decision?.input.tool.name,
        action: decision?.action,
        rules: decision?.reasons.map((r) => r.rule).sort(),
      })
    }
    expect(table).toEqual([
      { tool: 'payments.transfer', action: 'deny', rules: ['fintech.transfer_limit'] },
      { tool: 'payments.transfer', action: 'require_approval', rules: ['fintech.four_eyes'] },
      { tool: 'crypto.mixer', action: 'deny', rules: ['common.default_deny'] },
      { tool: 'ehr.read_record', action: 'allow', rules: ['common.tool_allowlist'] },
      { tool: 'email.send', action: 'deny', rules: ['health.phi_external', 'health.phi_identifier'] },
    ])
    expect(log.calls.map((c) => [c.tool, c.args.amount ?? c.args.patient_id])).toEqual([
      ['payments_transfer', 40_000],
      ['read_record', 'MRN-004211'],
    ])
    const approvals = await bodies('approval')
    expect(approvals).toEqual([expect.objectContaining({ approval_id: pending.approvalId })])
  })
})

/** A small real bundle: writes are denied with a stop rule, everything else is allowed. */
async function loadStopPolicy(): Promise<PolicyEngine> {
  const dir = mkdtempSync(join(tmpdir(), 'arbiter-stop-policy-'))
  writeFileSync(
    join(dir, 'arbiter.rego'),
    [
      'package arbiter',
      '',
      'default decision := {"action": "allow", "reasons": [{"rule": "test.allow_rest", "message": "allowed"}]}',
      '',
      'decision := {"action": "deny", "reasons": [{"rule": "test.stop_exfiltration", "message": "writing files ends this session"}]} if {',
      '\tinput.tool.name == "files.write"',
      '}',
      '',
    ].join('\n'),
  )
  writeFileSync(join(dir, 'data.json'), '{}\n')
  const outPath = join(dir, 'bundle.tar.gz')
  await buildBundle({ policiesDir: dir, outPath, revision: 'stop-test', quiet: true })
  return loadPolicyEngine({ bundlePath: outPath })
}

describe('Claude Agent SDK adapter, with a policy that names stop rules', () => {
  let stopPolicy: PolicyEngine
  beforeAll(async () => {
    stopPolicy = await loadStopPolicy()
  })
  afterAll(async () => {
    await stopPolicy.close()
  })

  it('a stop rule interrupts the session: nothing after the denied call runs', async () => {
    const stopGuard = guardFor(env.store.ledger, stopPolicy, { chain: env.chain })
    const target = join(ws.cwd, 'export.csv')
    standIn.scriptMessages(
      {
        content: [
          { type: 'tool_use', name: 'Write', input: { file_path: target, content: 'MRN-004211' } },
          { type: 'tool_use', name: 'mcp__bank__accounts_get_balance', input: { account_number: '1' } },
        ],
      },
      { content: [{ type: 'text', text: 'never asked' }] },
    )
    const run = await runAgent('Export', guardedOptions(teller, {}, stopGuard))
    expect(run.result?.subtype).toBe('error_during_execution')
    expect(existsSync(target)).toBe(false)
    expect(log.calls).toEqual([])
    expect(standIn.messageRequests).toHaveLength(1)
    const actions = (await bodies('decision')).map((d) => [
      (d.input as { tool: { name: string } }).tool.name,
      d.action,
    ])
    expect(actions[0]).toEqual(['files.write', 'deny'])
  })

  it('a tool that fails records an error outcome with the failure', async () => {
    const stopGuard = guardFor(env.store.ledger, stopPolicy, { chain: env.chain })
    standIn.scriptMessages(
      { content: [{ type: 'tool_use', name: 'Read', input: { file_path: join(ws.cwd, 'missing.txt') } }] },
      { content: [{ type: 'text', text: 'no such file' }] },
    )
    const run = await runAgent('Read it', guardedOptions(teller, {}, stopGuard))
    expect(run.result?.subtype).toBe('success')
    const [decision] = await bodies('decision')
    expect(decision).toMatchObject({
      action: 'allow',
      input: { tool: { name: 'files.read', kind: 'builtin' } },
    })
    const [outcome] = await bodies('outcome')
    expect(outcome).toMatchObject({ decision_id: decision?.decision_id, status: 'error' })
    // This bundle has no detectors (`arbiter/scan`), so the error text is withheld, never stored unchecked.
    expect(outcome?.error).toBe('[withheld: could not be checked for sensitive data]')
  })
})
