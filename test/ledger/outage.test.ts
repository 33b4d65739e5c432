import { sql } from 'kysely'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type LedgerEntry, LedgerError, verifyChain } from '../../src/ledger/index.js'
import {
  createPostgresBackend,
  postgresEnabled,
  type TestBackend,
  testServerUrl,
} from '../support/backends.js'
import { eventually } from '../support/eventually.js'
import { type OpenLedger, openLedger } from './support.js'

describe.skipIf(!postgresEnabled)('a database outage during append (postgres)', () => {
  let backend: TestBackend
  let store: OpenLedger

  beforeAll(async () => {
    backend = await createPostgresBackend()
    store = await openLedger(backend)
  })
  afterAll(async () => {
    await store?.close()
    await backend?.dispose()
  })

  it('rejects the batches in flight with LEDGER_UNAVAILABLE and loses nothing acknowledged', async () => {
    const dbName = new URL(backend.databaseUrl!).pathname.slice(1)
    const admin = new pg.Client({ connectionString: testServerUrl })
    await admin.connect()
    const acked: LedgerEntry[] = []
    const failures: unknown[] = []
    let stop = false
    const lanes = Array.from({ length: 64 }, async (_, lane) => {
      for (let i = 0; !stop; i++) {
        try {
          acked.push(await store.ledger.append({ chain: 'outage', type: 'decision', body: { lane, i } }))
        } catch (error) {
          failures.push(error)
        }
      }
    })
    try {
      for (let round = 0; round < 5; round++) {
        // Appends are acknowledged again before each kill: every kill lands on a pool in use.
        const ackedBefore = acked.length
        await eventually(() => expect(acked.length).toBeGreaterThan(ackedBefore))
        // Kill every server process of this database: what a crash or failover looks like to the pool.
        await admin.query(
          'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
          [dbName],
        )
      }
      // And the pool recovers after the last kill.
      const ackedAfterKills = acked.length
      await eventually(() => expect(acked.length).toBeGreaterThan(ackedAfterKills))
    } finally {
      stop = true
      await Promise.all(lanes)
      await admin.end()
    }
    expect(failures.length).toBeGreaterThan(0)
    for (const failure of failures) {
      expect(failure).toBeInstanceOf(LedgerError)
      expect((failure as LedgerError).code).toBe('LEDGER_UNAVAILABLE')
    }
    expect(acked.length).toBeGreaterThan(100)
    // Every acknowledged entry is in the database, unchanged, and the chain is intact.
    const stored = new Map<number, string>()
    for await (const entry of store.ledger.entries('outage')) stored.set(entry.seq, entry.hash)
    for (const entry of acked) expect(stored.get(entry.seq)).toBe(entry.hash)
    const report = await verifyChain(store.ledger, 'outage')
    expect(report.ok).toBe(true)
    // And the ledger works again once the database is back.
    await expect(
      store.ledger.append({ chain: 'outage', type: 'decision', body: { after: true } }),
    ).resolves.toMatchObject({
      seq: report.entries + 1,
    })
    await sql`select 1`.execute(store.handle.db)
  })
})
