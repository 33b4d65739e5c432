import { type Kysely, sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type LedgerEntry, linkEntry } from '../../src/ledger/index.js'
import { backendFactories, type TestBackend } from '../support/backends.js'
import { type OpenLedger, openLedger } from './support.js'

// Statements an attacker (or a bug) would use to rewrite history; each must fail.
const rewrites = {
  'UPDATE ledger_entries': sql`update ledger_entries set body = '{"forged":true}' where seq = 1`,
  'DELETE FROM ledger_entries': sql`delete from ledger_entries where seq = 2`,
  'TRUNCATE ledger_entries': sql`truncate ledger_entries`,
  'UPDATE ledger_checkpoints': sql`update ledger_checkpoints set seq = 1`,
  'DELETE FROM ledger_checkpoints': sql`delete from ledger_checkpoints`,
  'TRUNCATE ledger_checkpoints': sql`truncate ledger_checkpoints`,
  'rewind ledger_heads': sql`update ledger_heads set seq = 1, hash = (select hash from ledger_entries where seq = 1)`,
  'DELETE FROM ledger_heads': sql`delete from ledger_heads`,
  'TRUNCATE ledger_heads': sql`truncate ledger_heads`,
}

// biome-ignore lint/suspicious/noExplicitAny: raw statements against the fixed schema
async function attempt(db: Kysely<any>, statement: (typeof rewrites)[keyof typeof rewrites], setup?: string) {
  await db.transaction().execute(async (trx) => {
    if (setup === 'writer') await sql`set local role arbiter_writer`.execute(trx)
    if (setup === 'replica') await sql`set local session_replication_role = replica`.execute(trx)
    await statement.execute(trx)
  })
}

describe.each(backendFactories)('append-only ledger tables on %s', (_name, createBackend) => {
  let backend: TestBackend
  let store: OpenLedger
  let appended: LedgerEntry[] = []

  beforeAll(async () => {
    backend = await createBackend()
    store = await openLedger(backend)
    appended = []
    for (let i = 0; i < 3; i++)
      appended.push(await store.ledger.append({ chain: 'c', type: 'decision', body: { i } }))
    await sql`insert into ledger_checkpoints (chain, seq, hash, ts, key_id, sig, public_key)
      select chain, seq, hash, ts, '0000000000000000', 'c2ln', 'cGs=' from ledger_entries where seq = 3`.execute(
      store.handle.db,
    )
  })
  afterAll(async () => {
    await store?.close()
    await backend?.dispose()
  })

  describe.each([
    ['the superuser', undefined],
    ['the superuser with session_replication_role = replica', 'replica'],
    ['the arbiter_writer role', 'writer'],
  ])('as %s', (_who, setup) => {
    it.each(Object.keys(rewrites) as Array<keyof typeof rewrites>)('%s is rejected', async (name) => {
      await expect(attempt(store.handle.db, rewrites[name], setup)).rejects.toThrow(
        /append-only|must advance|permission denied/,
      )
    })
  })

  it('leaves history intact after every attempt', async () => {
    const read: LedgerEntry[] = []
    for await (const entry of store.ledger.entries('c')) read.push(entry)
    expect(read).toEqual(appended)
    expect(await store.ledger.checkpoints('c')).toHaveLength(1)
    expect(await store.ledger.head('c')).toMatchObject({ seq: 3, hash: appended[2]!.hash })
  })

  it('lets arbiter_writer append through the normal path (INSERT, SELECT, head UPDATE)', async () => {
    const entry = await store.handle.db.transaction().execute(async (trx) => {
      await sql`set local role arbiter_writer`.execute(trx)
      // The statements of the append path, as the writer role.
      const head = await sql<{
        seq: string
        hash: string
      }>`select seq, hash from ledger_heads where chain = 'c' for update`.execute(trx)
      const prev = head.rows[0]!
      const next = linkEntry({
        chain: 'c',
        seq: Number(prev.seq) + 1,
        ts: new Date().toISOString(),
        type: 'decision',
        body: { by: 'writer' },
        prev: prev.hash,
      })
      await sql`insert into ledger_entries (chain, seq, ts, type, body, prev, hash)
        values (${next.chain}, ${next.seq}, ${next.ts}, ${next.type}, ${JSON.stringify(next.body)}, ${next.prev}, ${next.hash})`.execute(
        trx,
      )
      await sql`update ledger_heads set seq = ${next.seq}, hash = ${next.hash} where chain = 'c'`.execute(trx)
      return next
    })
    expect(entry.seq).toBe(4)
    expect(await store.ledger.head('c')).toMatchObject({ seq: 4, hash: entry.hash })
    const rows = await sql<{ who: string }>`select current_user as who`.execute(store.handle.db)
    expect(rows.rows[0]?.who).not.toBe('arbiter_writer')
  })

  it('refuses a head that names no entry', async () => {
    await expect(
      sql`update ledger_heads set seq = 99 where chain = 'c'`.execute(store.handle.db),
    ).rejects.toThrow(/names no entry/)
  })
})
