import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Checkpointer, verifyChain } from '../../src/ledger/index.js'
import { backendFactories, type TestBackend } from '../support/backends.js'
import { type OpenLedger, openLedger } from './support.js'

// The database (or the disk) refusing a write for a reason other than an outage or a duplicate. Each
// database is the test's own; the constraints below are added as its owner (superuser), the way a DBA
// or a later migration could, so the refusal comes from the real server, not from a stand-in.
describe.each(backendFactories)('refused ledger writes on %s', (_name, createBackend) => {
  let backend: TestBackend
  let store: OpenLedger
  let scratch: string
  const { privateKey: signingKey } = generateKeyPairSync('ed25519')

  beforeAll(async () => {
    backend = await createBackend()
    store = await openLedger(backend)
    scratch = mkdtempSync(join(tmpdir(), 'arbiter-refused-'))
    await sql`alter table ledger_entries add constraint test_refuse_type check (type <> 'refused')`.execute(
      store.handle.db,
    )
  })
  afterAll(async () => {
    await store?.close()
    await backend?.dispose()
    if (scratch) rmSync(scratch, { recursive: true, force: true })
  })

  describe('when a check constraint refuses an entry', () => {
    it('throws LEDGER_WRITE_FAILED (not an outage), stores nothing and keeps the chain usable', async () => {
      await store.ledger.append({ chain: 'refuse', type: 'decision', body: { n: 1 } })
      const refused = await store.ledger
        .append({ chain: 'refuse', type: 'refused', body: { n: 2 } })
        .catch((error: unknown) => error)
      expect(refused).toMatchObject({ code: 'LEDGER_WRITE_FAILED' })
      expect((refused as Error).message).toMatch(/test_refuse_type/)
      expect((refused as Error).cause).toBeDefined()
      const next = await store.ledger.append({ chain: 'refuse', type: 'decision', body: { n: 3 } })
      expect(next.seq).toBe(2)
      expect(await verifyChain(store.ledger, 'refuse')).toMatchObject({ ok: true, entries: 2 })
    })
  })

  describe('checkpoints', () => {
    it('throw LEDGER_CHECKPOINT_FAILED when the anchor directory cannot be written', async () => {
      await store.ledger.append({ chain: 'anchored', type: 'decision', body: { n: 1 } })
      // A regular file where the anchor directory should be: mkdir under it fails with ENOTDIR.
      const notADir = join(scratch, `not-a-dir-${backend.name}`)
      writeFileSync(notADir, 'x')
      const checkpointer = new Checkpointer(store.handle.db, { signingKey, anchorDir: notADir })
      const failure = await checkpointer.checkpoint('anchored').catch((error: unknown) => error)
      expect(failure).toMatchObject({ code: 'LEDGER_CHECKPOINT_FAILED' })
      expect((failure as Error).message).toMatch(/^cannot write anchor .*ENOTDIR/)
    })

    it('throw LEDGER_CHECKPOINT_FAILED when the database refuses the checkpoint row', async () => {
      await store.ledger.append({ chain: 'unsigned', type: 'decision', body: { n: 1 } })
      await sql`alter table ledger_checkpoints add constraint test_refuse_chain check (chain <> 'unsigned')`.execute(
        store.handle.db,
      )
      const checkpointer = new Checkpointer(store.handle.db, { signingKey })
      await expect(checkpointer.checkpoint('unsigned')).rejects.toThrowWithCode('LEDGER_CHECKPOINT_FAILED')
      const rows = await store.handle.db
        .selectFrom('ledger_checkpoints')
        .select('seq')
        .where('chain', '=', 'unsigned')
        .execute()
      expect(rows).toEqual([])
      // Other chains still checkpoint: the refusal was this row's, not the checkpointer's state.
      expect(await checkpointer.checkpoint('anchored')).toMatchObject({ chain: 'anchored', seq: 1 })
    })
  })
})
