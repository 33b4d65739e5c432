import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { PolicyEngine } from '../../src/policy/index.js'
import {
  createPostgresBackend,
  postgresEnabled,
  type TestBackend,
  testServerUrl,
} from '../support/backends.js'
import {
  contexts,
  guardFor,
  type LedgerStore,
  loadTestPolicy,
  openStore,
  transferArgs,
} from '../support/guard-harness.js'
import { runTsxChild } from '../support/tsx-child.js'

const approveFromAnotherProcess = async (databaseUrl: string, chain: string, approvalId: string) =>
  (
    await runTsxChild('test/guard/fixtures/approve-worker.ts', [
      databaseUrl,
      chain,
      approvalId,
      'emp-317',
      'payments_officer',
    ])
  ).trim()

// The guard's waiters share one poller per process; an approval another process writes (no in-process
// signal at all) must still reach them, within one poll interval of being committed.
describe.skipIf(!postgresEnabled)('an approval written by another OS process (postgres)', () => {
  let backend: TestBackend
  let store: LedgerStore
  let policy: PolicyEngine

  beforeAll(async () => {
    policy = await loadTestPolicy()
    backend = await createPostgresBackend()
    store = await openStore(backend)
  })
  afterAll(async () => {
    await store?.close()
    await backend?.dispose()
    await policy?.close()
  })

  it('wakes every waiting call of this process: the approved one runs, the others keep waiting', async () => {
    const chain = 'cross-process'
    const guard = guardFor(store.ledger, policy, { chain, approvals: { pollMs: 50, timeoutMs: 60_000 } })
    const abort = new AbortController()
    const calls = [0, 1, 2].map(async (i) => {
      const input = { ...contexts.officer, tool: { name: 'payments.transfer', kind: 'client' as const } }
      const recorded = await guard.decide({ ...input, arguments: transferArgs(40_000 + i) })
      const approvalId = await guard.requestApproval(recorded)
      return { i, approvalId, verdict: guard.awaitApproval(recorded, approvalId, abort.signal) }
    })
    const waiting = await Promise.all(calls)
    await vi.waitFor(() => expect(guard.approvals.waiting()).toBe(3))
    const chosen = waiting[1]!

    expect(await approveFromAnotherProcess(backend.databaseUrl!, chain, chosen.approvalId)).toBe('approved')
    await expect(chosen.verdict).resolves.toMatchObject({ kind: 'allow', decisionId: expect.any(String) })
    expect(guard.approvals.waiting()).toBe(2)

    // The others are still pending; stopping their waiters writes nothing and says so.
    abort.abort()
    for (const other of [waiting[0]!, waiting[2]!])
      await expect(other.verdict).rejects.toThrowWithCode('GUARD_APPROVAL_ABANDONED')
    expect(guard.approvals.waiting()).toBe(0)
  })

  it('fails every waiter closed when the poller cannot read (outage), and a later wait starts a new poller', async () => {
    const chain = 'poller-outage'
    const guard = guardFor(store.ledger, policy, { chain, approvals: { pollMs: 50, timeoutMs: 60_000 } })
    const input = { ...contexts.officer, tool: { name: 'payments.transfer', kind: 'client' as const } }
    const open = async (amount: number) => {
      const recorded = await guard.decide({ ...input, arguments: transferArgs(amount) })
      const approvalId = await guard.requestApproval(recorded)
      return { recorded, approvalId, verdict: guard.awaitApproval(recorded, approvalId) }
    }
    const waiting = [await open(40_001), await open(40_002)]
    await vi.waitFor(() => expect(guard.approvals.waiting()).toBe(2))
    const dbName = new URL(backend.databaseUrl!).pathname.slice(1)
    const admin = new pg.Client({ connectionString: testServerUrl })
    await admin.connect()
    try {
      // `dbName` comes from the test support (hex digits only), never from input.
      await admin.query(`ALTER DATABASE ${dbName} ALLOW_CONNECTIONS false`)
      await admin.query(
        'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
        [dbName],
      )
      for (const { verdict } of waiting)
        await expect(verdict).rejects.toThrowWithCode('GUARD_LEDGER_UNAVAILABLE')
      expect(guard.approvals.waiting()).toBe(0)
    } finally {
      await admin.query(`ALTER DATABASE ${dbName} ALLOW_CONNECTIONS true`)
      await admin.end()
    }
    // Nothing was lost: the requests are still open in the ledger, and waiting on one works again.
    const again = guard.awaitApproval(waiting[0]!.recorded, waiting[0]!.approvalId)
    await vi.waitFor(() => expect(guard.approvals.waiting()).toBe(1))
    await guard.approvals.approve(waiting[0]!.approvalId, { id: 'emp-317', roles: ['payments_officer'] })
    await expect(again).resolves.toMatchObject({ kind: 'allow' })
  })
})
