import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { runCli } from '../../src/cli/main.js'
import { createPgliteBackend, type TestBackend } from '../support/backends.js'
import { contexts, guardFor, loadTestPolicy, openStore } from '../support/guard-harness.js'

async function cli(...args: string[]): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  let stdout = ''
  let stderr = ''
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk)
    return true
  })
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk)
    return true
  })
  const before = process.exitCode
  process.exitCode = 0
  try {
    await runCli(['node', 'arbiter', ...args])
    return { stdout, stderr, exitCode: Number(process.exitCode ?? 0) }
  } finally {
    out.mockRestore()
    err.mockRestore()
    process.exitCode = before
  }
}

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
    expect(listed.exitCode).toBe(0)
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

  it('fails with one line and exit code 2 without --unknown', async () => {
    const result = await cli('outcomes', '--data-dir', backend.dataDir!)
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toBe('arbiter: outcomes: pass --unknown (the only listing so far)\n')
  })
})
