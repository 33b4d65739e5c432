import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readEntry } from '../../src/entries/index.js'
import type { Guard } from '../../src/guard/index.js'
import type { PolicyEngine } from '../../src/policy/index.js'
import { type ServerFixture, startServerFixture } from '../server/server-fixture.js'
import { useMessagesSseStandIn } from '../support/anthropic-sse-stand-in.js'
import { useStandIn } from '../support/anthropic-stand-in.js'
import { backendFactories, type TestBackend } from '../support/backends.js'
import { useClaudeWorkspace } from '../support/claude-agent.js'
import { type ScenarioCall, scenarioCalls, scenarioTools } from '../support/framework-scenario.js'
import { entriesOf, guardFor, loadTestPolicy } from '../support/guard-harness.js'
import { useResponsesStandIn } from '../support/openai-responses-stand-in.js'
import {
  claudeAgentDriver,
  genericDriver,
  managedAgentsDriver,
  mcpGatewayDriver,
  messagesDriver,
  openaiAgentsDriver,
  type RuntimeDriver,
  sidecarDriver,
  vercelAiDriver,
} from '../support/runtime-drivers.js'
import { type EquivalenceRow, renderEquivalenceTable, TABLE_BEGIN, TABLE_END } from './equivalence-table.js'

// The portability proof of issue 14: one scenario, every runtime Arbiter supports, one ledger (one
// database, one chain). Each runtime drives the scenario through its real package and wire format; the
// decisions are then read back from the ledger and must agree call by call, in action and rule ids.
const root = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..')
const artifact = join(root, 'test', 'artifacts', 'cross-runtime-equivalence.md')
const docPath = join(root, 'docs', 'integrations.md')

// PostgreSQL when the suite has it (the deployment's ledger), else PGlite.
const [, createBackend] = backendFactories.at(-1)!
let backend: TestBackend
let server: ServerFixture
let policy: PolicyEngine
let guard: Guard
const keys: Record<'fin' | 'care', string> = { fin: '', care: '' }

beforeAll(async () => {
  backend = await createBackend()
  server = await startServerFixture(backend)
  policy = await loadTestPolicy()
  // The in-process runtimes write through their own guard to the server's ledger and chain. Approvals
  // time out quickly: what is compared is the decision, not the approvers.
  guard = guardFor(server.ledger, policy, {
    chain: server.composed.guard.chain,
    approvals: { pollMs: 20, timeoutMs: 300 },
  })
  const agentKey = async (identity: string, actFor: string[], assertRoles: string[]) =>
    (await server.composed.keys.create({ role: 'agent', name: identity, identity, actFor, assertRoles })).key
  keys.fin = await agentKey('fin-assistant', ['emp-101', 'emp-204'], ['teller', 'payments_officer'])
  keys.care = await agentKey('care-assistant', ['dr-chen'], ['clinician'])
}, 120_000)
afterAll(async () => {
  await server?.close()
  await policy?.close()
  await backend?.dispose()
})

const messagesApi = useStandIn()
const sseApi = useMessagesSseStandIn()
const responsesApi = useResponsesStandIn()
const workspace = useClaudeWorkspace()

/** The runtimes, in the table's order, with the `agent.runtime` each records. */
const runtimes: ReadonlyArray<readonly [name: string, runtime: string, driver: () => RuntimeDriver]> = [
  ['generic wrapper (wrapTool)', 'generic', () => genericDriver(guard)],
  [
    'Messages tool loop',
    'anthropic-messages',
    () =>
      messagesDriver(
        guard,
        () => messagesApi.standIn,
        () => messagesApi.client,
      ),
  ],
  [
    'Managed Agents session guard',
    'anthropic-managed-agents',
    () =>
      managedAgentsDriver(
        guard,
        () => messagesApi.standIn,
        () => messagesApi.client,
      ),
  ],
  [
    'Claude Agent SDK',
    'claude-agent-sdk',
    () => claudeAgentDriver(guard, () => messagesApi.standIn, workspace),
  ],
  ['OpenAI Agents SDK', 'openai-agents', () => openaiAgentsDriver(guard, () => responsesApi.standIn)],
  ['Vercel AI SDK', 'vercel-ai', () => vercelAiDriver(guard, () => sseApi.standIn)],
  [
    'HTTP sidecar (POST /v1/decisions)',
    'http-sidecar',
    () =>
      sidecarDriver(
        () => server.url,
        (c) => (c.role === 'care' ? keys.care : keys.fin),
      ),
  ],
  ['MCP gateway (arbiter mcp)', 'mcp', () => mcpGatewayDriver(guard)],
]

const policyName = (c: ScenarioCall) => scenarioTools.find((t) => t.name === c.tool)!.policyName

/** This runtime's decisions, in ledger order: one per scenario call. */
async function decisionsOf(runtime: string) {
  const entries = await entriesOf(server.ledger, guard.chain)
  return entries
    .filter((e) => e.type === 'decision')
    .map((e) => readEntry(e, 'decision').body)
    .filter((b) => b.input.agent.runtime === runtime)
}

describe('cross-runtime equivalence (issue 14 scenario)', () => {
  for (const [name, runtime, driver] of runtimes)
    it(`${name}: decides every scenario call as the policy does, and runs only what it allows`, async () => {
      const drive = driver()
      for (const c of scenarioCalls) {
        const ran = await drive(c)
        // Only an allowed call runs (the sidecar's caller runs nothing itself).
        if (runtime !== 'http-sidecar') expect(ran, c.id).toEqual(c.action === 'allow' ? [c.tool] : [])
      }
      const decisions = await decisionsOf(runtime)
      expect(decisions.map((d) => d.input.tool.name)).toEqual(scenarioCalls.map(policyName))
    }, 300_000)

  it('every runtime produced the same action and rule ids per call; the table is in docs/integrations.md', async () => {
    const rows: EquivalenceRow[] = []
    for (const [name, runtime] of runtimes) {
      const decisions = await decisionsOf(runtime)
      rows.push({
        runtime: name,
        cells: scenarioCalls.map((_, i) => {
          const d = decisions[i]
          return d ? { action: d.action, rules: d.reasons.map((r) => r.rule).sort() } : null
        }),
      })
    }
    const table = renderEquivalenceTable(scenarioCalls, rows)
    mkdirSync(join(root, 'test', 'artifacts'), { recursive: true })
    writeFileSync(artifact, `${table}\n`)
    process.stdout.write(`\n${table}\n`)

    // Same action and the same set of rule ids, call by call, in every runtime: the expected ones.
    for (const row of rows)
      for (const [i, c] of scenarioCalls.entries())
        expect(row.cells[i], `${row.runtime} / ${c.id}`).toEqual({
          action: c.action,
          rules: [...c.rules].sort(),
        })

    const doc = readFileSync(docPath, 'utf8')
    const begin = doc.indexOf(TABLE_BEGIN)
    const end = doc.indexOf(TABLE_END)
    expect(begin, `${TABLE_BEGIN} in docs/integrations.md`).toBeGreaterThanOrEqual(0)
    expect(doc.slice(begin + TABLE_BEGIN.length, end).trim()).toBe(table.trim())
  })
})
