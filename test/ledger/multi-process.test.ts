import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { verifyChain } from '../../src/ledger/index.js'
import { createPostgresBackend, postgresEnabled, type TestBackend } from '../support/backends.js'
import { runTsxChild } from '../support/tsx-child.js'
import { type OpenLedger, openLedger } from './support.js'

const WORKERS = 4
const PER_WORKER = 1000

async function runWorker(databaseUrl: string, worker: string): Promise<{ worker: string; acked: number[] }> {
  const args = [databaseUrl, 'shared', worker, String(PER_WORKER), '32']
  return JSON.parse(await runTsxChild('test/ledger/fixtures/append-worker.ts', args))
}

// PGlite is single-process by design; cross-process appends are a PostgreSQL property.
describe.skipIf(!postgresEnabled)('appends from several OS processes to one chain (postgres)', () => {
  let backend: TestBackend
  let store: OpenLedger

  beforeAll(async () => {
    backend = await createPostgresBackend()
    store = await openLedger(backend) // migrate once up front
  })
  afterAll(async () => {
    await store?.close()
    await backend?.dispose()
  })

  it(`${WORKERS} processes × ${PER_WORKER} appends leave one valid, gap-free chain`, async () => {
    const results = await Promise.all(
      Array.from({ length: WORKERS }, (_, w) => runWorker(backend.databaseUrl!, `w${w}`)),
    )
    const seqs = results.flatMap((r) => r.acked).sort((a, b) => a - b)
    expect(seqs).toEqual(Array.from({ length: WORKERS * PER_WORKER }, (_, i) => i + 1))
    const report = await verifyChain(store.ledger, 'shared')
    expect(report).toMatchObject({
      ok: true,
      entries: WORKERS * PER_WORKER,
      head: { seq: WORKERS * PER_WORKER },
    })
    // Every worker's appends are all there, each exactly once.
    for (const { worker } of results) {
      const found = await store.ledger.findByBodyField('decision_id', `${worker}-0`)
      expect(found).toHaveLength(1)
    }
  }, 120_000)
})
