import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runDemoSessions } from '../../src/demo/index.js'
import { verifyChain } from '../../src/ledger/index.js'
import type { PolicyEngine } from '../../src/policy/index.js'
import { createPgliteBackend, type TestBackend } from '../support/backends.js'
import { entriesOf, guardFor, type LedgerStore, loadTestPolicy, openStore } from '../support/guard-harness.js'

describe('runDemoSessions', () => {
  let policy: PolicyEngine
  let backend: TestBackend
  let store: LedgerStore
  beforeAll(async () => {
    policy = await loadTestPolicy()
    backend = await createPgliteBackend()
    store = await openStore(backend)
  })
  afterAll(async () => {
    await store.close()
    await backend.dispose()
    await policy.close()
  })

  it('plays both sessions through the guard and leaves a verifiable ledger', async () => {
    const lines: string[] = []
    const guard = guardFor(store.ledger, policy, { chain: 'demo' })
    const result = await runDemoSessions({ guard, print: (line) => lines.push(line) })
    const output = lines.join('\n')
    expect(output).toContain('DENY  payments.transfer')
    expect(output).toContain('[fintech.transfer_limit]')
    expect(output).toContain('emp-204 tries to approve it: refused (APPROVAL_FORBIDDEN)')
    expect(output).toContain('CONFLICT web.search')
    // The MCP scene: a read through the gateway returned unchanged, a write denied with its rule id.
    expect(result.mcp.ran).toBe(true)
    expect(output).toContain('ALLOW read_text_file: "Quarterly summary: revenue 1.2M, churn 2.1%.\\n"')
    expect(output).toMatch(/DENY {2}write_file\n.*\[mcp\.fs_write_denied\]/)
    expect(result.health).toMatchObject({
      conflicts: 1,
      customToolResults: 1,
      confirmations: { allow: 0, deny: 1 },
    })

    const entries = await entriesOf(store.ledger, 'demo')
    const count = (type: string) => entries.filter((e) => e.type === type).length
    expect(count('decision')).toBe(8)
    expect(count('approval')).toBe(1)
    expect(count('conflict')).toBe(1)
    expect((await verifyChain(store.ledger, 'demo')).ok).toBe(true)
  })
})
