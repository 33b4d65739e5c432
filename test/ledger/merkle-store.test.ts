import { generateKeyPairSync } from 'node:crypto'
import { sql } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  Checkpointer,
  createLedger,
  type DatabaseHandle,
  entryLeafBytes,
  type LedgerEntry,
  MemoryMerkleTree,
  MerkleNodeCache,
  MerkleTreeReader,
  openNote,
  parseCheckpoint,
  parseVerifierKey,
  syncTree,
  verifyChain,
  verifyConsistency,
  verifyInclusion,
} from '../../src/ledger/index.js'
import { backendFactories, openMigratedDatabase, type TestBackend } from '../support/backends.js'

const hashes = (hex: readonly string[]) => hex.map((h) => Buffer.from(h, 'hex'))

async function appendMany(handle: DatabaseHandle, count: number, options = {}): Promise<LedgerEntry[]> {
  const ledger = createLedger(handle.db, options)
  const entries = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      ledger.append({ chain: 'c1', type: 'note', body: { i, s: 'é' } }),
    ),
  )
  await ledger.close()
  return entries
}

function expectedTree(entries: readonly LedgerEntry[]): MemoryMerkleTree {
  return MemoryMerkleTree.fromLeaves([...entries].sort((a, b) => a.seq - b.seq).map((e) => entryLeafBytes(e)))
}

describe.each(backendFactories)('the Merkle tree in the store on %s', (_name, createBackend) => {
  let backend: TestBackend
  let handle: DatabaseHandle
  beforeEach(async () => {
    backend = await createBackend()
    handle = await openMigratedDatabase(backend)
  })
  afterEach(async () => {
    await handle.close()
    await backend.dispose()
  })

  it('grows with every append (batched, one-statement and locking paths) to the root of the entries', async () => {
    const first = await appendMany(handle, 300, { maxBatch: 7 })
    const second = await appendMany(handle, 45) // a new store: locking path, tree read from the table
    const all = [...first, ...second]
    const reader = new MerkleTreeReader(handle.db)
    const { size, root } = await reader.root('c1')
    expect(size).toBe(345)
    expect(root.equals(expectedTree(all).root())).toBe(true)
    const partial = await reader.root('c1', 100)
    expect(partial.root.equals(expectedTree(all.filter((e) => e.seq <= 100)).root())).toBe(true)
  })

  it('serves inclusion and consistency proofs that verify against independently computed roots', async () => {
    const entries = (await appendMany(handle, 70)).sort((a, b) => a.seq - b.seq)
    const reader = new MerkleTreeReader(handle.db)
    for (const seq of [1, 2, 33, 64, 70]) {
      const p = await reader.inclusion('c1', seq)
      expect(p.entry_hash).toBe(entries[seq - 1]!.hash)
      const leaf = MemoryMerkleTree.fromLeaves([entryLeafBytes(entries[seq - 1]!)]).root()
      verifyInclusion(seq - 1, 70, leaf, hashes(p.proof), expectedTree(entries).root())
    }
    const c = await reader.consistency('c1', 13, 70)
    verifyConsistency(
      13,
      70,
      hashes(c.proof),
      expectedTree(entries.slice(0, 13)).root(),
      expectedTree(entries).root(),
    )
    await expect(reader.inclusion('c1', 71)).rejects.toThrowWithCode('TLOG_RANGE_INVALID')
    await expect(reader.consistency('c1', 0, 5)).rejects.toThrowWithCode('TLOG_RANGE_INVALID')
    await expect(reader.consistency('c1', 5, 71)).rejects.toThrowWithCode('TLOG_RANGE_INVALID')
    await expect(reader.root('nope')).rejects.toThrowWithCode('LEDGER_CHAIN_NOT_FOUND')
  })

  it('serves the same proofs from a warm node cache as from the database alone', async () => {
    await appendMany(handle, 150)
    const warm = new MerkleTreeReader(handle.db, { cache: new MerkleNodeCache(1000, 2) })
    for (let round = 0; round < 2; round += 1)
      for (const [seq, size] of [
        [1, 150],
        [77, 150],
        [150, 150],
        [64, 100],
      ] as const) {
        const cold = await new MerkleTreeReader(handle.db, { cache: new MerkleNodeCache(1, 99) }).inclusion(
          'c1',
          seq,
          size,
        )
        expect(await warm.inclusion('c1', seq, size)).toEqual(cold)
        expect(await warm.consistency('c1', seq, size)).toEqual(
          await new MerkleTreeReader(handle.db).consistency('c1', seq, size),
        )
      }
  })

  it('stays correct with two stores appending to one chain at once', async () => {
    const other = backend.databaseUrl ? await openMigratedDatabase(backend) : handle
    try {
      const a = createLedger(handle.db, { maxBatch: 5 })
      const b = createLedger(other.db, { maxBatch: 3 })
      const writes = Array.from({ length: 120 }, (_, i) =>
        (i % 2 ? a : b).append({ chain: 'c1', type: 'note', body: { i } }),
      )
      const entries = await Promise.all(writes)
      await Promise.all([a.close(), b.close()])
      const { root } = await new MerkleTreeReader(handle.db).root('c1')
      expect(root.equals(expectedTree(entries).root())).toBe(true)
    } finally {
      if (other !== handle) await other.close()
    }
  })

  it('backfills a chain written without the tree, on the next append or on demand', async () => {
    const old = await appendMany(handle, 260, { merkle: false })
    const count = await handle.db
      .selectFrom('ledger_merkle')
      .select(sql<string>`count(*)`.as('n'))
      .executeTakeFirst()
    expect(Number(count?.n)).toBe(0)
    expect(await syncTree(handle.db, 'c1')).toBe(260)
    const more = await appendMany(handle, 5, { merkle: false })
    const newer = await appendMany(handle, 3)
    const { root } = await new MerkleTreeReader(handle.db).root('c1')
    expect(root.equals(expectedTree([...old, ...more, ...newer]).root())).toBe(true)
  })

  it('keeps serving and growing a tree stored by a version that kept every level', async () => {
    const first = (await appendMany(handle, 37)).sort((a, b) => a.seq - b.seq)
    // Earlier versions also stored levels 0, 1, 3, 5: rows readers now ignore, writers never repeat.
    const full = expectedTree(first)
    const old = []
    for (let level = 0; 2 ** level <= first.length; level += 1)
      if (level < 2 || level % 2 === 1)
        for (let index = 0; (index + 1) * 2 ** level <= first.length; index += 1) old.push({ level, index })
    const oldHashes = await full.readHashes(old)
    const extra = old.map((n, k) => ({
      l: n.level,
      i: n.index,
      h: Buffer.from(oldHashes[k]!).toString('hex'),
    }))
    await sql`insert into ledger_merkle (chain, level, idx, hash)
      select 'c1', t.l, t.i, decode(t.h, 'hex') from json_to_recordset(${JSON.stringify(extra)}::json)
      as t (l smallint, i bigint, h text)`.execute(handle.db)
    const more = await appendMany(handle, 30)
    const all = [...first, ...more].sort((a, b) => a.seq - b.seq)
    const reader = new MerkleTreeReader(handle.db)
    expect((await reader.root('c1')).root.equals(expectedTree(all).root())).toBe(true)
    const p = await reader.inclusion('c1', 5, 67)
    verifyInclusion(4, 67, Buffer.from(p.leaf_hash, 'hex'), hashes(p.proof), expectedTree(all).root())
  })

  it('never proves over an entry changed behind the triggers (the leaf is rebuilt and checked)', async () => {
    await appendMany(handle, 10)
    await sql`alter table ledger_entries disable trigger ledger_entries_no_update_delete`.execute(handle.db)
    await sql`update ledger_entries set body = '{"i":99}' where seq = 10`.execute(handle.db)
    const reader = new MerkleTreeReader(handle.db)
    await expect(reader.inclusion('c1', 10, 10)).rejects.toThrowWithCode('LEDGER_ROW_INVALID')
    // Entry 10's leaf is also part of the root of size 10 (the last, incomplete group of four).
    await expect(reader.root('c1', 10)).rejects.toThrowWithCode('LEDGER_ROW_INVALID')
    expect((await reader.inclusion('c1', 3, 8)).tree_size).toBe(8)
  })

  it('refuses to build a tree over an entry that does not match its hash', async () => {
    await appendMany(handle, 3, { merkle: false })
    // A tampered row (as a superuser bypassing the triggers could leave): the tree is not built over it.
    await sql`alter table ledger_entries disable trigger ledger_entries_no_update_delete`.execute(handle.db)
    await sql`update ledger_entries set body = '{"i":99}' where seq = 2`.execute(handle.db)
    await expect(syncTree(handle.db, 'c1')).rejects.toThrowWithCode('LEDGER_ROW_INVALID')
  })

  it('refuses UPDATE, DELETE and TRUNCATE of tree rows', async () => {
    await appendMany(handle, 4) // four leaves complete the first stored (level-2) node
    await expect(sql`update ledger_merkle set hash = hash`.execute(handle.db)).rejects.toThrow(/append-only/)
    await expect(sql`delete from ledger_merkle`.execute(handle.db)).rejects.toThrow(/append-only/)
    await expect(sql`truncate ledger_merkle`.execute(handle.db)).rejects.toThrow(/append-only/)
  })

  it('signs each checkpoint also as a C2SP tlog-checkpoint note over the Merkle root', async () => {
    const entries = await appendMany(handle, 11)
    const { privateKey } = generateKeyPairSync('ed25519')
    const checkpointer = new Checkpointer(handle.db, { signingKey: privateKey, deployment: 'bank.example' })
    const cp = await checkpointer.checkpoint('c1')
    const vkey = checkpointer.verifierKey('c1')
    expect(vkey.startsWith('bank.example/c1+')).toBe(true)
    const note = openNote(cp!.note!, [parseVerifierKey(vkey)])
    const body = parseCheckpoint(note.text)
    expect(body.origin).toBe('bank.example/c1')
    expect(body.size).toBe(11)
    expect(body.root.equals(expectedTree(entries).root())).toBe(true)
    const row = await handle.db.selectFrom('ledger_checkpoints').select('note').executeTakeFirstOrThrow()
    expect(row.note).toBe(cp!.note)
  })

  it('verify rebuilds the tree: a good chain passes, a forged tree node or checkpoint note fails', async () => {
    await appendMany(handle, 9)
    const { privateKey } = generateKeyPairSync('ed25519')
    await new Checkpointer(handle.db, { signingKey: privateKey }).checkpoint('c1')
    const ledger = createLedger(handle.db)
    expect((await verifyChain(ledger, 'c1')).ok).toBe(true)
    // An insider rewrites one stored tree node (bypassing the triggers as a superuser can).
    await sql`alter table ledger_merkle disable trigger ledger_merkle_no_update_delete`.execute(handle.db)
    await sql`update ledger_merkle set hash = sha256(hash) where level = 2 and idx = 0`.execute(handle.db)
    const forged = await verifyChain(ledger, 'c1')
    expect(forged.failure).toMatchObject({ kind: 'merkle_mismatch', seq: 9 })
    await sql`alter table ledger_checkpoints disable trigger ledger_checkpoints_no_update_delete`.execute(
      handle.db,
    )
    await sql`update ledger_checkpoints set note = replace(note, E'\n9\n', E'\n8\n')`.execute(handle.db)
    expect((await verifyChain(ledger, 'c1')).failure).toMatchObject({ kind: 'bad_signature', seq: 9 })
  })
})
