// Fail closed through the gateway (in process: SDK client on an in-memory transport -> createMcpGateway
// -> the real server-filesystem over stdio), with a policy that lets writes through so a forwarded call
// would leave a file behind: when the ledger cannot be written, or the policy cannot be evaluated,
// the client gets an isError result saying so and nothing reaches the upstream.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMcpGateway, stdioUpstream } from '../../../src/adapters/mcp/index.js'
import type { Guard } from '../../../src/guard/index.js'
import { loadPolicyEngine, type PolicyEngine } from '../../../src/policy/index.js'
import { createPgliteBackend, type TestBackend } from '../../support/backends.js'
import { entriesOf, guardFor, type LedgerStore, openStore } from '../../support/guard-harness.js'
import { buildMcpBundle, filesystemServer } from '../../support/mcp-gateway.js'

type CallResult = { content?: Array<{ type: string; text?: string }>; isError?: boolean }
const textOf = (result: unknown): string =>
  ((result as CallResult).content ?? []).map((c) => c.text ?? '').join('\n')

describe('the MCP gateway fails closed', () => {
  let dir: string
  let root: string
  let bundlePath: string
  let policy: PolicyEngine
  let backend: TestBackend
  let store: LedgerStore

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'arbiter-mcp-closed-'))
    root = join(dir, 'data')
    mkdirSync(root, { recursive: true })
    bundlePath = (await buildMcpBundle(dir, root, { allowWrites: true })).path
    policy = await loadPolicyEngine({ bundlePath, evaluationTimeoutMs: 10_000 })
    backend = await createPgliteBackend()
    store = await openStore(backend)
  }, 300_000)

  afterAll(async () => {
    await store?.close()
    await policy?.close()
    await backend?.dispose()
    rmSync(dir, { recursive: true, force: true })
  })

  /** Writes `file` through a fresh gateway session on `guard`; returns the tool result. */
  const writeThrough = async (guard: Guard, file: string): Promise<CallResult> => {
    const gateway = createMcpGateway({
      guard,
      serverName: 'filesystem',
      principal: { id: 'u-17', roles: ['analyst'] },
      connectUpstream: stdioUpstream(process.execPath, [filesystemServer, root], { stderr: 'ignore' }),
    })
    const [clientSide, gatewaySide] = InMemoryTransport.createLinkedPair()
    const session = await gateway.connect(gatewaySide)
    const client = new Client({ name: 'claude-code', version: '1.0.0' })
    try {
      await client.connect(clientSide)
      return (await client.callTool({
        name: 'write_file',
        arguments: { path: join(root, file), content: 'written' },
      })) as CallResult
    } finally {
      await client.close()
      await session.close()
    }
  }

  it('forwards an allowed write when the ledger and policy work (so the checks below can fail)', async () => {
    const result = await writeThrough(guardFor(store.ledger, policy), 'allowed.txt')
    expect(result.isError).not.toBe(true)
    expect(readFileSync(join(root, 'allowed.txt'), 'utf8')).toBe('written')
    const types = (await entriesOf(store.ledger)).map((e) => e.type)
    expect(types).toEqual(['decision', 'outcome'])
  }, 60_000)

  it('refuses the call when the decision cannot be written, and nothing is forwarded', async () => {
    const down = await openStore(backend)
    await down.close()
    const result = await writeThrough(guardFor(down.ledger, policy), 'ledger-down.txt')
    expect(result.isError).toBe(true)
    expect(textOf(result)).toMatch(
      /^Arbiter could not check this tool call, so it was not forwarded: GUARD_LEDGER_UNAVAILABLE/,
    )
    expect(existsSync(join(root, 'ledger-down.txt'))).toBe(false)
  }, 60_000)

  it('refuses the call when the policy cannot be evaluated, and nothing is forwarded', async () => {
    const stopped = await loadPolicyEngine({ bundlePath, evaluationTimeoutMs: 10_000 })
    await stopped.close()
    const result = await writeThrough(guardFor(store.ledger, stopped), 'policy-down.txt')
    expect(result.isError).toBe(true)
    expect(textOf(result)).toContain('[arbiter.policy_error]')
    expect(existsSync(join(root, 'policy-down.txt'))).toBe(false)
  }, 60_000)
})
