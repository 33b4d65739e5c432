// Attack: an insider with full database access cuts the tail of a chain, deletes a whole chain, or
// rewrites history and re-signs every checkpoint with the operator's own key, removing the evidence
// (checkpoints, stored cosignatures) as they go, and with no anchor directory to compare against.
// Signed checkpoints alone cannot tell; an independent witness that cosigned the earlier tree can.
import { createHash, generateKeyPairSync } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { type Kysely, sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createWitnessing } from '../../src/app/witnessing.js'
import {
  Checkpointer,
  cosignerKeyOf,
  createBundleArchive,
  createLedger,
  ed25519NoteSigner,
  ed25519VerifierKey,
  entryLeafHash,
  formatAddCheckpointBody,
  formatCheckpoint,
  type LedgerDatabase,
  type LedgerEntry,
  listCosignatures,
  MemoryMerkleTree,
  parseCosignerVkey,
  signCheckpoint,
  signNote,
} from '../../src/ledger/index.js'
import { FixedClock, silentLogger } from '../../src/shared/index.js'
import { insertRow, rechain, tamper } from '../ledger/tamper.support.js'
import {
  databaseFlags,
  type KeyFiles,
  runArbiter,
  tempDir,
  writeKeyPair,
} from '../security/ledger-support.js'
import { backendFactories, openMigratedDatabase, type TestBackend } from '../support/backends.js'
import { testBundles } from '../support/bundles.js'
import { startWitness, type WitnessChild } from '../support/witness-child.js'
import { checkEvidencePack } from './evidence-pack.support.js'

const CHAINS = ['intact', 'truncated', 'deleted', 'rehashed'] as const
const origin = (chain: string) => `arbiter/${chain}`
const START = new Date('2026-11-01T00:00:00.000Z')
// A bundle the archive never held (an older ledger): the evidence pack names it by SHA-256 only.
const UNARCHIVED = { revision: 'r1', sha256: 'ab'.repeat(32) }

/** Deletes what an insider would, with the append-only triggers off (as the superuser can). */
async function asInsider(
  db: Kysely<LedgerDatabase>,
  statements: (trx: Kysely<LedgerDatabase>) => Promise<void>,
) {
  await tamper(db, async (trx) => {
    await sql`alter table ledger_heads disable trigger ledger_heads_forward`.execute(trx)
    await sql`alter table ledger_heads disable trigger ledger_heads_no_delete`.execute(trx)
    await sql`alter table ledger_cosignatures disable trigger ledger_cosignatures_no_update_delete`.execute(
      trx,
    )
    await statements(trx as unknown as Kysely<LedgerDatabase>)
    await sql`alter table ledger_cosignatures enable always trigger ledger_cosignatures_no_update_delete`.execute(
      trx,
    )
    await sql`alter table ledger_heads enable always trigger ledger_heads_no_delete`.execute(trx)
    await sql`alter table ledger_heads enable always trigger ledger_heads_forward`.execute(trx)
  })
}

describe.each(backendFactories)('witnessed ledger on %s', (_name, createBackend) => {
  let backend: TestBackend
  let dir: string
  let owner: KeyFiles
  let witness: WitnessChild
  const forged: Record<string, string> = {}
  const entries: Record<string, LedgerEntry[]> = {}
  // The shipped policies, compiled for this run and stored in the bundle archive (migration 0104).
  let archived: { revision: string; sha256: string; bytes: Buffer }

  /** `arbiter evidence` over entries 3..15 of the intact chain. */
  const evidenceOfIntact = (out: string) => {
    const intact = entries.intact!
    return runArbiter([
      'evidence',
      ...databaseFlags(backend),
      ...['--chain', 'intact', '--from', intact[2]!.ts, '--to', intact[14]!.ts, '--out', out],
    ])
  }

  const verify = (...extra: string[]) =>
    runArbiter([
      'verify',
      ...databaseFlags(backend),
      '--trusted-key',
      owner.publicPath,
      '--max-checkpoint-age',
      '0',
      '--json',
      ...extra,
    ])

  beforeAll(async () => {
    const bytes = readFileSync(testBundles().shipped)
    archived = { revision: 'test-shipped', sha256: createHash('sha256').update(bytes).digest('hex'), bytes }
    backend = await createBackend()
    dir = tempDir('arbiter-witnessed-')
    owner = writeKeyPair(dir, 'owner')
    mkdirSync(join(dir, 'witness'))
    witness = await startWitness(join(dir, 'witness'), [
      '--name',
      'witness.test/w1',
      ...CHAINS.flatMap((c) => ['--log', ed25519VerifierKey(origin(c), owner.privateKey)]),
    ])
    const handle = await openMigratedDatabase(backend)
    const db = handle.db
    const clock = new FixedClock(START)
    const ledger = createLedger(db, { clock })
    await createBundleArchive(db, { clock }).archive({
      ...archived,
      manifest: { revision: archived.revision },
    })
    const witnessing = createWitnessing(db, {
      witnesses: [{ url: witness.url, key: parseCosignerVkey(witness.vkey) }],
      logger: silentLogger,
    })
    const checkpointer = new Checkpointer(db, {
      signingKey: owner.privateKey,
      everyEntries: 0,
      everyMs: 0,
      onSigned: witnessing.onSigned,
    })
    for (const chain of CHAINS) {
      entries[chain] = []
      for (let i = 1; i <= 20; i++) {
        clock.advance(60_000)
        entries[chain]!.push(
          await ledger.append({
            chain,
            type: 'decision',
            // Odd entries were decided under the archived bundle, even ones under the unarchived one.
            body: {
              i,
              bundle: i % 2 ? { revision: archived.revision, sha256: archived.sha256 } : UNARCHIVED,
            },
          }),
        )
        if (i === 8 || i === 20) {
          await checkpointer.checkpoint(chain)
          await witnessing.flush() // each checkpoint reaches the witness in order (old size 8, then 20)
        }
      }
    }
    expect((await listCosignatures(db, 'intact')).map((c) => c.treeSize)).toEqual([8, 20])

    // Cut the tail: entries 13-20, their checkpoint and its cosignature go; the head moves back to 12.
    await asInsider(db, async (trx) => {
      await sql`delete from ledger_entries where chain = 'truncated' and seq > 12`.execute(trx)
      await sql`delete from ledger_checkpoints where chain = 'truncated' and seq > 12`.execute(trx)
      await sql`delete from ledger_cosignatures where chain = 'truncated' and tree_size > 12`.execute(trx)
      // The stored Merkle tree goes too (it is rebuilt from the entries that are left).
      await sql`delete from ledger_merkle where chain = 'truncated'`.execute(trx)
      await sql`update ledger_heads set seq = 12, hash = ${entries.truncated![11]!.hash} where chain = 'truncated'`.execute(
        trx,
      )
    })
    // Delete a chain and every trace of it.
    await asInsider(db, async (trx) => {
      for (const table of [
        'ledger_entries',
        'ledger_checkpoints',
        'ledger_heads',
        'ledger_cosignatures',
        'ledger_merkle',
      ])
        await sql`delete from ${sql.table(table)} where chain = 'deleted'`.execute(trx)
    })
    // Rewrite entry 5, re-hash 5-20, re-sign both checkpoints with the operator's own key, drop cosignatures.
    const rewritten = rechain(
      entries.rehashed!.slice(4).map((e, i) => (i === 0 ? { ...e, body: { i: 5, amount: 'rewritten' } } : e)),
      entries.rehashed![3]!.hash,
    )
    await asInsider(db, async (trx) => {
      await sql`delete from ledger_entries where chain = 'rehashed' and seq >= 5`.execute(trx)
      for (const e of rewritten) await insertRow(trx as never, e)
      await sql`update ledger_heads set seq = 20, hash = ${rewritten[15]!.hash} where chain = 'rehashed'`.execute(
        trx,
      )
      await sql`delete from ledger_checkpoints where chain = 'rehashed'`.execute(trx)
      for (const e of [rewritten[3]!, rewritten[15]!]) {
        const cp = signCheckpoint({ chain: 'rehashed', seq: e.seq, hash: e.hash, ts: e.ts }, owner.privateKey)
        await trx.insertInto('ledger_checkpoints').values(cp).execute()
      }
      await sql`delete from ledger_cosignatures where chain = 'rehashed'`.execute(trx)
      await sql`delete from ledger_merkle where chain = 'rehashed'`.execute(trx)
    })
    // What the insider would now ask the witness to cosign: the rewritten tree and the cut one.
    const reader = createLedger(db)
    for (const chain of ['rehashed', 'truncated'] as const) {
      const tree = new MemoryMerkleTree()
      for await (const e of reader.entries(chain)) tree.appendLeafHash(entryLeafHash(e))
      const text = formatCheckpoint({
        origin: origin(chain),
        size: tree.size,
        root: tree.root(),
        extensions: [],
      })
      forged[chain] = signNote(text, [ed25519NoteSigner(origin(chain), owner.privateKey)])
    }
    await handle.close()
  }, 180_000)

  afterAll(async () => {
    await witness?.stop()
    await backend?.dispose()
  })

  it('without a witness, the cut, the deletion and the re-signed rewrite all verify (the gap closed here)', async () => {
    const run = await verify()
    const report = JSON.parse(run.stdout) as { ok: boolean; chains: { chain: string; ok: boolean }[] }
    expect(report.chains.map((c) => [c.chain, c.ok])).toEqual([
      ['intact', true],
      ['rehashed', true],
      ['truncated', true],
    ])
  }, 60_000)

  it('with the witness, each is detected without an anchor directory', async () => {
    const run = await verify('--witness', `${witness.url}=${witness.vkey}`, '--quorum', '1')
    expect(run.code).toBe(1)
    const report = JSON.parse(run.stdout) as {
      witnessed: { chain: string; failure: { kind: string } | null; cosigners: string[] }[]
    }
    expect(Object.fromEntries(report.witnessed.map((w) => [w.chain, w.failure?.kind ?? 'ok']))).toEqual({
      intact: 'ok',
      deleted: 'witness_truncated',
      rehashed: 'witness_inconsistent',
      truncated: 'witness_truncated',
    })
    expect(report.witnessed.find((w) => w.chain === 'intact')?.cosigners).toEqual([witness.vkey])
  }, 60_000)

  it('from the stored cosignatures alone (witness not asked), the rewrite has no quorum; the cut needs the witness', async () => {
    const run = await verify('--witness', witness.vkey)
    expect(run.code).toBe(1)
    const report = JSON.parse(run.stdout) as {
      witnessed: { chain: string; failure: { kind: string } | null }[]
    }
    expect(Object.fromEntries(report.witnessed.map((w) => [w.chain, w.failure?.kind ?? 'ok']))).toEqual({
      intact: 'ok',
      rehashed: 'witness_quorum',
      // The insider removed the cosignature of 20 with the tail; only the witness itself remembers it.
      truncated: 'ok',
    })
  }, 60_000)

  it('requires the quorum: with two trusted witnesses and quorum 2, one cosignature is not enough', async () => {
    const second = cosignerKeyOf('witness.test/w2', generateKeyPairSync('ed25519').privateKey).vkey
    const run = await verify(
      '--witness',
      `${witness.url}=${witness.vkey}`,
      '--witness',
      second,
      '--quorum',
      '2',
      '--chain',
      'intact',
    )
    expect(run.code).toBe(1)
    expect(JSON.parse(run.stdout).witnessed[0].failure.kind).toBe('witness_quorum')
  }, 60_000)

  it('the witness refuses the forged history (same size, other root: 409) and the cut tree (rollback: 400)', async () => {
    const post = (oldSize: number, note: string) =>
      fetch(`${witness.url}/add-checkpoint`, {
        method: 'POST',
        body: formatAddCheckpointBody({ oldSize, proof: [], note }),
      })
    expect((await post(20, forged.rehashed!)).status).toBe(409)
    expect((await post(20, forged.truncated!)).status).toBe(400)
    expect(await (await post(12, forged.truncated!)).text()).toBe('20\n')
  })

  it('writes an evidence pack with the archived bundle that python3 verifies in an empty directory, and fails on each tampered file', async () => {
    const out = join(dir, 'pack.tar.gz')
    const run = await evidenceOfIntact(out)
    expect(run.stderr).toBe('')
    expect(run.stdout).toContain('13 entries (seq 3..15) in checkpoint 20 with 1 cosignature(s)')
    checkEvidencePack(out, {
      logVkey: ed25519VerifierKey(origin('intact'), owner.privateKey),
      witnessVkey: witness.vkey,
      expectOk: 'ok: intact 13 entries (seq 3..15) in checkpoint 20, 1 cosignatures',
      archivedBundle: archived,
      unarchivedBundle: UNARCHIVED,
    })
  }, 120_000)

  // Runs last: it leaves a bad archive row behind. Inserting is what the writer role may do.
  it('refuses to pack bytes an insider slipped into the archive under a named bundle key (LEDGER_ROW_INVALID)', async () => {
    const handle = await openMigratedDatabase(backend)
    const forged = Buffer.from('not the bundle the entries name')
    await handle.db
      .insertInto('policy_bundles')
      .values({
        sha256: UNARCHIVED.sha256,
        revision: UNARCHIVED.revision,
        manifest: JSON.stringify({ revision: UNARCHIVED.revision }),
        bytes: forged,
        size: forged.length,
        archived_at: '2026-11-02T00:00:00.000Z',
      })
      .execute()
    await handle.close()
    const out = join(dir, 'forged-pack.tar.gz')
    const run = await evidenceOfIntact(out)
    expect(run.code).not.toBe(0)
    expect(run.stderr).toContain('LEDGER_ROW_INVALID')
    expect(run.stderr).toContain(`expected ${UNARCHIVED.sha256}`)
    expect(existsSync(out)).toBe(false)
  }, 120_000)
})
