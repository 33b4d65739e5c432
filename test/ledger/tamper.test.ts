import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type BreakKind,
  Checkpointer,
  type LedgerEntry,
  linkEntry,
  verifyLedger,
} from '../../src/ledger/index.js'
import { backendFactories, type TestBackend } from '../support/backends.js'
import { databaseFlags, type OpenLedger, openLedger, runCliProcess } from './support.js'
import { insertRow, rechain, tamper } from './tamper.support.js'

type Db = OpenLedger['handle']['db']

interface Scenario {
  readonly chain: string
  readonly expected: { seq: number; kind: BreakKind } | null
  /** Check against the anchor dir too (only the tail-deletion-without-DB-checkpoints scenario needs it). */
  readonly anchorsOnly?: boolean
  edit(db: Db, entries: LedgerEntry[]): Promise<void>
}

const scenarios: Scenario[] = [
  { chain: 'untouched', expected: null, edit: async () => undefined },
  {
    chain: 'edit-body',
    expected: { seq: 5, kind: 'hash_mismatch' },
    edit: (db) =>
      tamper(db, (trx) =>
        sql`update ledger_entries set body = '{"i":500}' where chain = 'edit-body' and seq = 5`
          .execute(trx)
          .then(() => undefined),
      ),
  },
  {
    chain: 'edit-and-rehash',
    expected: { seq: 6, kind: 'broken_link' },
    edit: (db, entries) =>
      tamper(db, async (trx) => {
        const e = entries[4]!
        const forged = linkEntry({
          chain: e.chain,
          seq: e.seq,
          ts: e.ts,
          type: e.type,
          body: { i: 500 },
          prev: e.prev,
        })
        await sql`update ledger_entries set body = ${JSON.stringify(forged.body)}, hash = ${forged.hash}
          where chain = 'edit-and-rehash' and seq = 5`.execute(trx)
      }),
  },
  {
    chain: 'delete-middle',
    expected: { seq: 5, kind: 'gap' },
    edit: (db) =>
      tamper(db, (trx) =>
        sql`delete from ledger_entries where chain = 'delete-middle' and seq = 5`
          .execute(trx)
          .then(() => undefined),
      ),
  },
  {
    chain: 'delete-tail',
    expected: { seq: 16, kind: 'truncated' },
    edit: (db) =>
      tamper(db, (trx) =>
        sql`delete from ledger_entries where chain = 'delete-tail' and seq >= 16`
          .execute(trx)
          .then(() => undefined),
      ),
  },
  {
    chain: 'delete-tail-and-checkpoints',
    expected: { seq: 16, kind: 'truncated' },
    anchorsOnly: true,
    edit: (db) =>
      tamper(db, async (trx) => {
        await sql`delete from ledger_entries where chain = 'delete-tail-and-checkpoints' and seq >= 16`.execute(
          trx,
        )
        await sql`delete from ledger_checkpoints where chain = 'delete-tail-and-checkpoints'`.execute(trx)
      }),
  },
  {
    chain: 'insert-forged',
    expected: { seq: 12, kind: 'hash_mismatch' },
    edit: (db, entries) =>
      tamper(db, async (trx) => {
        // Make room after seq 10 (two steps, so the primary key never collides), then slip a well-formed entry in.
        await sql`update ledger_entries set seq = seq + 1000 where chain = 'insert-forged' and seq > 10`.execute(
          trx,
        )
        await sql`update ledger_entries set seq = seq - 999 where chain = 'insert-forged' and seq > 1000`.execute(
          trx,
        )
        const e = entries[9]!
        await insertRow(
          trx,
          linkEntry({
            chain: e.chain,
            seq: 11,
            ts: e.ts,
            type: 'approval',
            body: { verdict: 'approve' },
            prev: e.hash,
          }),
        )
      }),
  },
  {
    chain: 'swap',
    expected: { seq: 7, kind: 'hash_mismatch' },
    edit: (db) =>
      tamper(db, async (trx) => {
        await sql`update ledger_entries set seq = 1007 where chain = 'swap' and seq = 7`.execute(trx)
        await sql`update ledger_entries set seq = 7 where chain = 'swap' and seq = 8`.execute(trx)
        await sql`update ledger_entries set seq = 8 where chain = 'swap' and seq = 1007`.execute(trx)
      }),
  },
  {
    chain: 'rewrite-rechained',
    expected: { seq: 20, kind: 'checkpoint_mismatch' },
    edit: (db, entries) =>
      tamper(db, async (trx) => {
        // A careful forger re-links everything after the edit; only the signed checkpoint gives it away.
        const edited = entries.map((e) => (e.seq === 10 ? { ...e, body: { i: 1000 } } : e))
        const forged = rechain(edited.slice(9), entries[8]!.hash)
        await sql`delete from ledger_entries where chain = 'rewrite-rechained' and seq >= 10`.execute(trx)
        for (const entry of forged) await insertRow(trx, entry)
      }),
  },
  {
    chain: 'forged-signature',
    expected: { seq: 20, kind: 'bad_signature' },
    edit: (db) =>
      tamper(db, (trx) =>
        sql`update ledger_checkpoints set ts = '2099-01-01T00:00:00.000Z' where chain = 'forged-signature'`
          .execute(trx)
          .then(() => undefined),
      ),
  },
]

describe.each(backendFactories)('tampering caught by verify on %s', (_name, createBackend) => {
  let backend: TestBackend
  let store: OpenLedger
  let anchorDir: string
  // The CLI pins the checkpoint key (freshness has its own tests: verify-trust.test.ts).
  let pin: string[]

  beforeAll(async () => {
    backend = await createBackend()
    anchorDir = mkdtempSync(join(tmpdir(), 'arbiter-anchors-'))
    store = await openLedger(backend)
    const { privateKey, publicKey } = generateKeyPairSync('ed25519')
    const keyFile = `${anchorDir}-key.pem`
    writeFileSync(keyFile, publicKey.export({ format: 'pem', type: 'spki' }))
    pin = ['--trusted-key', keyFile, '--max-checkpoint-age', '0']
    const checkpointer = new Checkpointer(store.handle.db, { signingKey: privateKey, anchorDir })
    for (const scenario of scenarios) {
      const entries: LedgerEntry[] = []
      for (let i = 1; i <= 20; i++)
        entries.push(await store.ledger.append({ chain: scenario.chain, type: 'decision', body: { i } }))
      await checkpointer.checkpoint(scenario.chain)
      await scenario.edit(store.handle.db, entries)
    }
  })
  afterAll(async () => {
    await store?.close()
    await backend?.dispose()
    rmSync(anchorDir, { recursive: true, force: true })
    rmSync(`${anchorDir}-key.pem`, { force: true })
  })

  it.each(scenarios.map((s) => [s.chain, s] as const))('%s', async (_chain, scenario) => {
    const [withAnchors] = await verifyLedger(store.ledger, { chain: scenario.chain, anchorDir })
    expect(
      withAnchors?.failure ? { seq: withAnchors.failure.seq, kind: withAnchors.failure.kind } : null,
    ).toEqual(scenario.expected)
    if (scenario.anchorsOnly) {
      // Without the anchor files the database alone cannot show the cut: that is what anchors are for.
      const [dbOnly] = await verifyLedger(store.ledger, { chain: scenario.chain })
      expect(dbOnly?.ok).toBe(true)
    }
  })

  it('arbiter verify exits 1 and names each broken chain with seq and kind', async () => {
    await store.close() // PGlite allows one process at a time
    const run = runCliProcess(
      'verify',
      ...databaseFlags(backend),
      ...pin,
      '--anchor-dir',
      anchorDir,
      '--json',
    )
    expect(run.status, run.stderr).toBe(1)
    const report = JSON.parse(run.stdout) as {
      ok: boolean
      chains: Array<{ chain: string; failure: { seq: number; kind: string } | null }>
    }
    expect(report.ok).toBe(false)
    const got = Object.fromEntries(
      report.chains.map((c) => [c.chain, c.failure ? { seq: c.failure.seq, kind: c.failure.kind } : null]),
    )
    expect(got).toEqual(Object.fromEntries(scenarios.map((s) => [s.chain, s.expected])))
    const text = runCliProcess('verify', ...databaseFlags(backend), ...pin, '--chain', 'delete-middle')
    expect(text.status).toBe(1)
    expect(text.stdout).toMatch(/^FAIL: delete-middle seq 5 gap: /)
    const ok = runCliProcess('verify', ...databaseFlags(backend), ...pin, '--chain', 'untouched')
    expect(ok.status, ok.stderr).toBe(0)
    expect(ok.stdout).toMatch(/^ok: untouched 20 entries, head [0-9a-f]{64}\n$/)
  })
})
