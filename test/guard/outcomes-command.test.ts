import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createPgliteBackend, type TestBackend } from '../support/backends.js'
import { contexts, guardFor, loadTestPolicy, openStore } from '../support/guard-harness.js'
import { runCliCaptured } from '../support/run-cli.js'

const cli = runCliCaptured

describe('arbiter outcomes --unknown', () => {
  let backend: TestBackend
  beforeEach(async () => {
    backend = await createPgliteBackend()
  })
  afterEach(async () => {
    await backend.dispose()
  })

  it('lists the allowed decision that has no outcome, and only that one', async () => {
    const store = await openStore(backend)
    const policy = await loadTestPolicy()
    const guard = guardFor(store.ledger, policy, { chain: 'tenant-a' })
    const call = {
      tool: { name: 'accounts.get_balance', kind: 'client' },
      arguments: { account_number: '1' },
      ...contexts.teller,
    }
    const open = await guard.decide(call)
    const done = await guard.decide(call)
    await guard.recordOutcome(done.decisionId, { status: 'ok', result: 1 })
    await policy.close()
    await store.close()

    const listed = await cli('outcomes', '--unknown', '--json', '--data-dir', backend.dataDir!)
    expect(listed.code).toBe(0)
    const rows = listed.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
    expect(rows).toEqual([
      expect.objectContaining({
        chain: 'tenant-a',
        decisionId: open.decisionId,
        tool: 'accounts.get_balance',
      }),
    ])
  })

  it('skips a decision whose body does not match its schema, and says so on stderr', async () => {
    const store = await openStore(backend)
    const policy = await loadTestPolicy()
    const guard = guardFor(store.ledger, policy, { chain: 'tenant-a' })
    const open = await guard.decide({
      tool: { name: 'accounts.get_balance', kind: 'client' },
      arguments: { account_number: '1' },
      ...contexts.teller,
    })
    // Written around the guard (an old or foreign writer): no input, no bundle.
    const odd = await store.ledger.append({
      chain: 'tenant-a',
      type: 'decision',
      body: { decision_id: 'odd-1', action: 'allow' },
    })
    await policy.close()
    await store.close()

    const listed = await cli('outcomes', '--unknown', '--data-dir', backend.dataDir!)
    expect(listed.code).toBe(0)
    expect(listed.stdout.trim().split('\n')).toEqual([expect.stringContaining(open.decisionId)])
    expect(listed.stderr).toContain('1 decision(s) with unknown outcome\n')
    expect(listed.stderr).toContain(
      'warning: 1 decision/outcome entry skipped: body does not match its schema\n',
    )
    expect(listed.stderr).toContain(
      `warning: decision body at tenant-a#${odd.seq} does not match its schema: input:`,
    )
  })

  it('fails with one line and exit code 2 without --unknown', async () => {
    const result = await cli('outcomes', '--data-dir', backend.dataDir!)
    expect(result.code).toBe(2)
    expect(result.stderr).toBe('arbiter: outcomes: pass --unknown (the only listing so far)\n')
  })
})
