import { type Kysely, sql } from 'kysely'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  type ArbiterDatabase,
  createLedger,
  type DatabaseHandle,
  GENESIS_PREV,
  linkEntry,
  verifyChain,
  verifyEntries,
} from '../../src/ledger/index.js'
import { leafHash, MerkleFrontier } from '../../src/ledger/tlog/index.js'
import { LeafFrontier } from '../../src/ledger/verify-hash-batch.js'
import { MerkleVerifier } from '../../src/ledger/verify-merkle.js'
import { splitCheckpoints } from '../../src/ledger/verify-outcome.js'
import { type ParallelVerifyOptions, verifyInParallel } from '../../src/ledger/verify-parallel.js'
import { postgresChainSource } from '../../src/ledger/verify-postgres-source.js'
import { canonicalJson } from '../../src/shared/index.js'
import {
  createPostgresBackend,
  openMigratedDatabase,
  postgresEnabled,
  type TestBackend,
} from '../support/backends.js'

/** Writes a valid chain straight into the table (as bench/lib/generate-chain.ts does), `format` per body. */
async function writeChain(
  db: Kysely<ArbiterDatabase>,
  chain: string,
  n: number,
  format: (seq: number, canonical: string) => string = (_seq, text) => text,
): Promise<string[]> {
  const hashes: string[] = []
  let prev = GENESIS_PREV
  const rows = []
  for (let seq = 1; seq <= n; seq++) {
    const body = { seq, note: `entry ${seq} ${'x'.repeat(seq % 97)}`, nested: { a: [1, 2, { z: 'é' }] } }
    const entry = linkEntry({
      chain,
      seq,
      ts: new Date(Date.UTC(2026, 0, 1, 0, 0, 0, seq)).toISOString(),
      type: 'decision',
      body,
      prev,
    })
    rows.push({
      chain,
      seq: String(seq),
      ts: entry.ts,
      type: entry.type,
      body: format(seq, canonicalJson(body)),
      prev,
      hash: entry.hash,
    })
    hashes.push(entry.hash)
    prev = entry.hash
  }
  for (let i = 0; i < rows.length; i += 500)
    await db
      .insertInto('ledger_entries')
      .values(rows.slice(i, i + 500).map((r) => ({ ...r, body: sql`${r.body}::json` })) as never)
      .execute()
  return hashes
}

async function tamper(db: Kysely<ArbiterDatabase>, statement: ReturnType<typeof sql>): Promise<void> {
  // As a superuser bypassing the append-only triggers could.
  await sql`alter table ledger_entries disable trigger ledger_entries_no_update_delete`.execute(db)
  try {
    await statement.execute(db)
  } finally {
    await sql`alter table ledger_entries enable trigger ledger_entries_no_update_delete`.execute(db)
  }
}

describe.skipIf(!postgresEnabled)('verify on PostgreSQL: binary COPY reader and hashing thread', () => {
  let backend: TestBackend
  let handle: DatabaseHandle

  beforeAll(async () => {
    backend = await createPostgresBackend()
  })
  afterAll(async () => {
    await backend?.dispose()
  })
  beforeEach(async () => {
    // One database for the suite; every test writes its own chain.
    handle = await openMigratedDatabase(backend)
    return async () => handle.close()
  })

  /** The parallel verifier with small batches and COPY chunks (so a short chain crosses both). */
  async function parallel(chain: string, options: Partial<ParallelVerifyOptions> = {}) {
    const ledger = createLedger(handle.db)
    const source = await postgresChainSource(ledger, chain)
    if (!source) throw new Error('expected the PostgreSQL source')
    return verifyInParallel(await source.pool.connect(), source, {
      chain,
      checkpoints: splitCheckpoints(chain, await ledger.checkpoints(chain), undefined),
      claims: [],
      batchBytes: 16 * 1024,
      chunkRows: 700,
      ...options,
    })
  }

  /** The in-thread verifier over the same rows, for the same report. */
  async function inThread(chain: string) {
    const ledger = createLedger(handle.db)
    const merkle = new MerkleVerifier([])
    const report = await verifyEntries(ledger.rawRows(chain), {
      chain,
      merkle,
      checkpoints: await ledger.checkpoints(chain),
    })
    return { report }
  }

  it('verifies an intact chain across batches and COPY chunks, with the same report and root', async () => {
    const hashes = await writeChain(handle.db, 'p', 2345)
    const { report, root } = await parallel('p')
    const expected = await inThread('p')
    expect(report).toEqual(expected.report)
    expect(report).toMatchObject({ ok: true, entries: 2345, head: { seq: 2345, hash: hashes[2344] } })
    const frontier = new MerkleFrontier()
    const rows = createLedger(handle.db).rawRows('p')
    for await (const row of rows) {
      const r = row as { seq: string; ts: string; type: string; body: string; prev: string }
      const text = `{"body":${r.body},"chain":"p","prev":"${r.prev}","seq":${Number(r.seq)},"ts":"${r.ts}","type":"${r.type}","v":1}`
      frontier.append(leafHash(Buffer.from(text)))
    }
    expect(root).toBe(frontier.root().toString('hex'))
    // And through verifyChain, which takes this path on PostgreSQL.
    expect(await verifyChain(createLedger(handle.db), 'p')).toEqual(report)
  })

  it('accepts bodies stored in another JSON form when their canonical form hashes right', async () => {
    await writeChain(handle.db, 'f', 1500, (seq, text) =>
      seq % 400 === 0 ? JSON.stringify(JSON.parse(text), null, 1) : text,
    )
    const { report } = await parallel('f')
    expect(report).toMatchObject({ ok: true, entries: 1500 })
    expect(report).toEqual((await inThread('f')).report)
  })

  it.each([
    [
      'a changed body',
      sql`update ledger_entries set body = '{"seq":999}' where seq = 1234`,
      1234,
      'hash_mismatch',
    ],
    [
      'a changed prev',
      sql`update ledger_entries set prev = repeat('a', 64) where seq = 1100`,
      1100,
      'hash_mismatch',
    ],
    ['a deleted entry', sql`delete from ledger_entries where seq = 801`, 801, 'gap'],
    [
      'a body that is not an object',
      sql`update ledger_entries set body = '[1]' where seq = 5`,
      5,
      'hash_mismatch',
    ],
    ['a malformed hash', sql`update ledger_entries set hash = 'zz' where seq = 1999`, 1999, 'hash_mismatch'],
    [
      'the first entry changed',
      sql`update ledger_entries set ts = '2020-01-01T00:00:00.000Z' where seq = 1`,
      1,
      'hash_mismatch',
    ],
  ])('reports %s at the same seq and kind as the in-thread verifier', async (_what, statement, seq, kind) => {
    const chain = `t${seq}`
    await writeChain(handle.db, chain, 2100)
    await tamper(handle.db, sql`${statement} and chain = ${chain}`)
    const { report } = await parallel(chain)
    expect(report.failure).toMatchObject({ seq, kind })
    expect(report).toEqual((await inThread(chain)).report)
  })

  it('reports a re-hashed entry as a broken link of the next one', async () => {
    const hashes = await writeChain(handle.db, 'r', 1800)
    // Entry 900 rewritten with a hash that matches its new content: entry 901 no longer links to it.
    const ledger = createLedger(handle.db)
    let row: { ts: string; prev: string } | undefined
    for await (const r of ledger.rawRows('r', { fromSeq: 900, toSeq: 900 }))
      row = r as { ts: string; prev: string }
    const forged = linkEntry({
      chain: 'r',
      seq: 900,
      ts: row!.ts,
      type: 'decision',
      body: { forged: true },
      prev: row!.prev,
    })
    expect(forged.hash).not.toBe(hashes[899])
    await tamper(
      handle.db,
      sql`update ledger_entries set body = '{"forged":true}', hash = ${forged.hash} where seq = 900 and chain = 'r'`,
    )
    const { report } = await parallel('r')
    expect(report.failure).toMatchObject({ seq: 901, kind: 'broken_link' })
    expect(report).toEqual((await inThread('r')).report)
  })

  it('checks roots claimed by signed notes as the tree reaches their size', async () => {
    await writeChain(handle.db, 'm', 1300)
    const good = await inThread('m')
    const frontier = new MerkleFrontier()
    for await (const r of createLedger(handle.db).rawRows('m', { toSeq: 1000 })) {
      const x = r as { seq: string; ts: string; type: string; body: string; prev: string }
      frontier.append(
        leafHash(
          Buffer.from(
            `{"body":${x.body},"chain":"m","prev":"${x.prev}","seq":${Number(x.seq)},"ts":"${x.ts}","type":"${x.type}","v":1}`,
          ),
        ),
      )
    }
    const right = { size: 1000, root: frontier.root(), what: 'a note' }
    expect((await parallel('m', { claims: [right] })).report).toEqual(good.report)
    const wrong = { size: 1000, root: Buffer.alloc(32, 7), what: 'a forged note' }
    const { report } = await parallel('m', { claims: [wrong] })
    expect(report.failure).toMatchObject({ seq: 1000, kind: 'merkle_mismatch' })
    expect(report.failure?.message).toContain('a forged note names Merkle root 0707')
    expect(report).toMatchObject({ entries: 999, head: { seq: 999 } })
  })

  it('fails closed with LEDGER_VERIFY_WORKER_FAILED when the hashing thread dies', async () => {
    await writeChain(handle.db, 'w', 1200)
    // The thread is stopped as soon as it starts (as a crash would end it): no valid report.
    const killed = parallel('w', { onWorker: (worker) => void worker.terminate() })
    await expect(killed).rejects.toThrowWithCode('LEDGER_VERIFY_WORKER_FAILED')
    // The connection it read from was dropped, not handed back mid-COPY: the pool still works.
    expect((await parallel('w')).report).toMatchObject({ ok: true, entries: 1200 })
  })

  it('computes the same roots as the store’s MerkleFrontier at every size up to 300', () => {
    const lean = new LeafFrontier()
    const reference = new MerkleFrontier()
    expect(lean.rootHex()).toBe(reference.root().toString('hex'))
    for (let i = 0; i < 300; i++) {
      const leaf = Buffer.from(`leaf ${i}`)
      lean.append(Buffer.concat([Buffer.from([0]), leaf]))
      reference.append(leafHash(leaf))
      expect(lean.rootHex()).toBe(reference.root().toString('hex'))
    }
  })
})
