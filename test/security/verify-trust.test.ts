// Attack: someone with database access re-hashes a suffix and re-signs its checkpoint with a key of
// their own, deletes checkpoints, lets the newest signature go stale, or deletes a whole chain. Before,
// `arbiter verify` and /v1/verify trusted whatever key the database held ("Intact"), a deleted chain
// verified as "ok: no chains", `verify --chain <unknown>` printed ok, and SIGTERM signed nothing.
// Now verification pins keys, requires a recent checkpoint, knows which chains must exist, and a
// graceful shutdown signs a final checkpoint.
import { randomBytes } from 'node:crypto'
import { readFileSync, rmSync } from 'node:fs'
import { type Kysely, sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  Checkpointer,
  createLedger,
  type LedgerDatabase,
  type LedgerEntry,
  signCheckpoint,
  trustedKeyFromPem,
  verifyChain,
  verifyLedger,
} from '../../src/ledger/index.js'
import { createApiKeyStore } from '../../src/server/index.js'
import { FixedClock } from '../../src/shared/index.js'
import { rechain, tamper } from '../ledger/tamper.support.js'
import {
  backendFactories,
  createPostgresBackend,
  openMigratedDatabase,
  postgresEnabled,
  type TestBackend,
} from '../support/backends.js'
import {
  databaseFlags,
  type KeyFiles,
  pythonPresent,
  pyVerify,
  runArbiter,
  startServe,
  tempDir,
  writeKeyPair,
} from './ledger-support.js'

const DAY = 86_400_000
const LONG_AGO = new Date('2020-01-01T00:00:00.000Z')

type Expected = Record<string, { seq: number; kind: string } | null>

/** What each chain must verify as, with the pinned key, the anchors and the expectation. */
const expected: Expected = {
  intact: null,
  resigned: { seq: 20, kind: 'bad_signature' },
  'checkpoints-deleted': { seq: 1, kind: 'stale_checkpoint' },
  stale: { seq: 20, kind: 'stale_checkpoint' },
  'deleted-anchored': { seq: 1, kind: 'missing_chain' },
  'deleted-expected': { seq: 1, kind: 'missing_chain' },
  'unsigned-tail': null,
}

async function fill(ledger: ReturnType<typeof createLedger>, chain: string, n = 20): Promise<LedgerEntry[]> {
  const out: LedgerEntry[] = []
  for (let i = 1; i <= n; i++) out.push(await ledger.append({ chain, type: 'decision', body: { i } }))
  return out
}

async function deleteChain(db: Kysely<LedgerDatabase>, chain: string): Promise<void> {
  await tamper(db, async (trx) => {
    await sql`alter table ledger_heads disable trigger ledger_heads_no_delete`.execute(trx)
    await sql`delete from ledger_entries where chain = ${chain}`.execute(trx)
    await sql`delete from ledger_checkpoints where chain = ${chain}`.execute(trx)
    await sql`delete from ledger_merkle where chain = ${chain}`.execute(trx)
    await sql`delete from ledger_heads where chain = ${chain}`.execute(trx)
    await sql`alter table ledger_heads enable always trigger ledger_heads_no_delete`.execute(trx)
  })
}

function failures(reports: { chain: string; failure: { seq: number; kind: string } | null }[]): Expected {
  return Object.fromEntries(
    reports.map((r) => [r.chain, r.failure ? { seq: r.failure.seq, kind: r.failure.kind } : null]),
  )
}

describe.each(backendFactories)('verification pins trust on %s', (_name, createBackend) => {
  let backend: TestBackend
  let dir: string
  let anchorDir: string
  let owner: KeyFiles
  let attacker: KeyFiles
  let auditorKey: string
  let env: Record<string, string>
  let pin: string[]

  beforeAll(async () => {
    backend = await createBackend()
    dir = tempDir('arbiter-trust-')
    anchorDir = `${dir}/anchors`
    owner = writeKeyPair(dir, 'owner')
    attacker = writeKeyPair(dir, 'attacker')
    const handle = await openMigratedDatabase(backend)
    const db = handle.db
    const ledger = createLedger(db)
    const signer = new Checkpointer(db, { signingKey: owner.privateKey, everyEntries: 0, everyMs: 0 })
    const anchored = new Checkpointer(db, {
      signingKey: owner.privateKey,
      anchorDir,
      everyEntries: 0,
      everyMs: 0,
    })
    const oldClock = new FixedClock(LONG_AGO)
    const oldLedger = createLedger(db, { clock: oldClock })
    const oldSigner = new Checkpointer(db, {
      signingKey: owner.privateKey,
      clock: oldClock,
      everyEntries: 0,
      everyMs: 0,
    })

    await fill(ledger, 'intact')
    await signer.checkpoint('intact')

    // Re-hash a suffix and re-sign its checkpoint with the attacker's key.
    const resigned = await fill(ledger, 'resigned')
    await signer.checkpoint('resigned')
    await tamper(db, async (trx) => {
      const forged = rechain(
        resigned.slice(14).map((e) => (e.seq === 15 ? { ...e, body: { i: 'forged' } } : e)),
        resigned[13]!.hash,
      )
      await sql`delete from ledger_entries where chain = 'resigned' and seq >= 15`.execute(trx)
      for (const e of forged)
        await sql`insert into ledger_entries (chain, seq, ts, type, body, prev, hash) values
          (${e.chain}, ${e.seq}, ${e.ts}, ${e.type}, ${JSON.stringify(e.body)}, ${e.prev}, ${e.hash})`.execute(
          trx,
        )
      await sql`delete from ledger_checkpoints where chain = 'resigned'`.execute(trx)
      // A thorough insider drops the chain's stored Merkle tree too: it is rebuilt from the forged entries.
      await sql`delete from ledger_merkle where chain = 'resigned'`.execute(trx)
      const last = forged.at(-1)!
      const cp = signCheckpoint(
        { chain: 'resigned', seq: last.seq, hash: last.hash, ts: new Date().toISOString() },
        attacker.privateKey,
      )
      await trx.insertInto('ledger_checkpoints').values(cp).execute()
    })

    // Old entries whose checkpoints are deleted; old entries whose newest checkpoint is old.
    await fill(oldLedger, 'checkpoints-deleted')
    await oldSigner.checkpoint('checkpoints-deleted')
    await tamper(db, (trx) =>
      sql`delete from ledger_checkpoints where chain = 'checkpoints-deleted'`
        .execute(trx)
        .then(() => undefined),
    )
    await fill(oldLedger, 'stale')
    await oldSigner.checkpoint('stale')

    // Whole chains deleted: one known to the anchor directory, one only to a pinned expectation.
    await fill(ledger, 'deleted-anchored')
    await anchored.checkpoint('deleted-anchored')
    await deleteChain(db, 'deleted-anchored')
    await fill(ledger, 'deleted-expected')
    await signer.checkpoint('deleted-expected')
    await deleteChain(db, 'deleted-expected')

    // Entries after the last checkpoint (recent): fine now, and the shutdown below signs them.
    await fill(ledger, 'unsigned-tail', 5)
    await signer.checkpoint('unsigned-tail')
    await fill(ledger, 'unsigned-tail', 3)

    auditorKey = (await createApiKeyStore(db).create({ role: 'auditor', name: 'trust test' })).key
    await oldLedger.close()
    await ledger.close()
    await handle.close()
    env = {
      ...(backend.databaseUrl ? { DATABASE_URL: backend.databaseUrl } : {}),
      ARBITER_SIGNING_KEY: owner.privatePath,
      ARBITER_REDACTION_KEY: randomBytes(32).toString('hex'),
      ARBITER_CHECKPOINT_INTERVAL_MS: '0',
      ARBITER_CHECKPOINT_EVERY: '0',
    }
    pin = ['--trusted-key', owner.publicPath, '--anchor-dir', anchorDir, '--max-checkpoint-age', String(DAY)]
  })

  afterAll(async () => {
    await backend?.dispose()
    rmSync(dir, { recursive: true, force: true })
  })

  it('the library shows the attack without pinning, and catches it with the pinned key', async () => {
    const handle = await openMigratedDatabase(backend)
    try {
      const ledger = createLedger(handle.db)
      expect((await verifyChain(ledger, 'resigned')).ok).toBe(true) // the database's own key: "intact"
      const trustedKeys = [trustedKeyFromPem(readFileSync(owner.publicPath, 'utf8'))]
      const reports = await verifyLedger(ledger, {
        trustedKeys,
        anchorDir,
        expectedChains: ['deleted-expected'],
        maxCheckpointAgeMs: DAY,
      })
      expect(failures(reports)).toEqual(expected)
      await expect(verifyLedger(ledger, { chain: 'nope' })).rejects.toThrowWithCode('LEDGER_CHAIN_NOT_FOUND')
    } finally {
      await handle.close()
    }
  })

  it('`arbiter verify` reports each attack with its kind and seq, exit 1', async () => {
    const run = await runArbiter(
      ['verify', ...databaseFlags(backend), ...pin, '--expect-chain', 'deleted-expected', '--json'],
      env,
    )
    expect(run.code, run.stderr).toBe(1)
    const report = JSON.parse(run.stdout) as {
      chains: { chain: string; failure: { seq: number; kind: string } | null }[]
    }
    expect(failures(report.chains)).toEqual(expected)
    // Without the expectation a chain deleted with all its traces is not even listed: that is what it is for.
    const plain = await runArbiter(['verify', ...databaseFlags(backend), ...pin, '--json'], env)
    expect(Object.keys(failures(JSON.parse(plain.stdout).chains))).not.toContain('deleted-expected')
  })

  it('`arbiter verify --chain <unknown>` is an error: exit 2, one line', async () => {
    const run = await runArbiter(
      ['verify', ...databaseFlags(backend), ...pin, '--chain', 'no-such-chain'],
      env,
    )
    expect(run.code).toBe(2)
    expect(run.stdout).toBe('')
    expect(run.stderr).toMatch(
      /^arbiter: no chain named "no-such-chain" in the database, the anchor directory or the expected chains\n$/,
    )
  })

  it('trusts the own signing key only in demo mode', async () => {
    const own = ['verify', ...databaseFlags(backend), '--chain', 'intact', '--max-checkpoint-age', '0']
    if (backend.databaseUrl) {
      const refused = await runArbiter(own, env)
      expect(refused.code).toBe(2)
      expect(refused.stderr).toMatch(
        /^arbiter: no trusted checkpoint key: pass --trusted-key <pem> or set ARBITER_TRUSTED_KEYS .*\n$/,
      )
    }
    const demo = await runArbiter([...own, '--allow-generated-keys'], env)
    expect(demo.stdout).toMatch(/^ok: intact 20 entries/)
    expect(demo.stderr).toContain('demo mode: trusting this deployment’s own signing key')
    expect(demo.code).toBe(0)
    const attacked = await runArbiter(
      [
        'verify',
        ...databaseFlags(backend),
        '--chain',
        'resigned',
        '--max-checkpoint-age',
        '0',
        '--allow-generated-keys',
      ],
      env,
    )
    expect(attacked.stdout).toMatch(
      /^FAIL: resigned seq 20 bad_signature: checkpoint at seq 20 is signed by untrusted key/,
    )
  })

  describe.skipIf(!pythonPresent)('the Python verifier on an export', () => {
    let exported: Promise<string> | undefined
    const exportText = () => {
      exported ??= runArbiter(['export', ...databaseFlags(backend), '--format', 'jsonl'], env).then((run) => {
        expect(run.code, run.stderr).toBe(0)
        return run.stdout
      })
      return exported
    }

    it('catches the re-signed suffix, the stale checkpoints and a missing chain', async () => {
      const run = pyVerify(await exportText(), [
        '--trusted-key',
        owner.publicPath,
        '--max-checkpoint-age',
        String(DAY),
        '--expect-chain',
        'deleted-expected',
      ])
      expect(run.code).toBe(1)
      const lines = run.stdout.trimEnd().split('\n')
      expect(lines.find((l) => l.startsWith('FAIL: resigned '))).toMatch(
        /^FAIL: resigned seq 20 bad_signature: checkpoint at seq 20 is signed by untrusted key [0-9a-f]{16}$/,
      )
      expect(lines.find((l) => l.startsWith('FAIL: stale '))).toMatch(
        /^FAIL: stale seq 20 stale_checkpoint: /,
      )
      expect(lines.find((l) => l.startsWith('FAIL: checkpoints-deleted '))).toMatch(/seq 1 stale_checkpoint/)
      expect(lines.find((l) => l.startsWith('FAIL: deleted-expected '))).toMatch(/seq 1 missing_chain/)
      expect(lines.find((l) => l.includes(' intact '))).toMatch(/^ok: intact 20 entries, head [0-9a-f]{64}$/)
    })

    it('exits non-zero on an empty or cut export', async () => {
      const exported = await exportText()
      const lines = exported.trimEnd().split('\n')
      expect(pyVerify('').stdout).toBe('FAIL: export is empty\n')
      expect(pyVerify('').code).toBe(1)
      const noEnd = pyVerify(`${lines.slice(0, -1).join('\n')}\n`)
      expect(noEnd.stdout).toMatch(/FAIL: export truncated: no end line after line \d+\n$/)
      expect(noEnd.code).toBe(1)
      const partial = pyVerify(exported.slice(0, exported.length - 40))
      expect(partial.stdout).toMatch(/FAIL: export truncated: line \d+ is incomplete \(no newline\)\n$/)
      expect(partial.code).toBe(1)
      // A careful cut: the last entry of `intact` removed and the end line's count fixed to match.
      const intactLast = lines.findLastIndex((l) => l.includes('"chain":"intact"') && l.includes('"seq":20'))
      const end = JSON.parse(lines.at(-1)!) as { export_end: { entries: number } }
      end.export_end.entries -= 1
      const cut = [...lines.slice(0, intactLast), ...lines.slice(intactLast + 1, -1), JSON.stringify(end)]
      const careful = pyVerify(`${cut.join('\n')}\n`, ['--trusted-key', owner.publicPath])
      expect(careful.stdout).toMatch(
        /^FAIL: intact seq 20 truncated: a signed checkpoint names entry 20; the export ends at 19$/m,
      )
      expect(careful.code).toBe(1)
    })
  })

  it('/v1/verify of a real server uses the pinned key; SIGTERM signs a final checkpoint', async () => {
    const serve = await startServe(backend.dataDir ? ['--data-dir', backend.dataDir] : [], {
      ...env,
      ARBITER_TRUSTED_KEYS: owner.publicPath,
      ARBITER_ANCHOR_DIR: anchorDir,
      ARBITER_EXPECTED_CHAINS: 'deleted-expected',
      ARBITER_MAX_CHECKPOINT_AGE_MS: String(DAY),
    })
    let code: number | null
    try {
      const response = await fetch(`${serve.url}/v1/verify`, {
        method: 'POST',
        headers: { authorization: `Bearer ${auditorKey}`, 'content-type': 'application/json' },
        body: '{}',
      })
      expect(response.status).toBe(200)
      const result = (await response.json()) as {
        ok: boolean
        results: { chain: string; ok: boolean; error_code: string | null; message: string }[]
      }
      expect(result.ok).toBe(false)
      const got = Object.fromEntries(
        result.results.map((r) => [
          r.chain,
          r.error_code ? { seq: Number(/ at seq (\d+):/.exec(r.message)?.[1]), kind: r.error_code } : null,
        ]),
      )
      // The server's own chain holds the `policy_loaded` entry it appended at start: intact.
      expect(got).toEqual({ ...expected, default: null })
    } finally {
      code = await serve.stop('SIGTERM')
    }
    expect(code).toBe(0)
    const handle = await openMigratedDatabase(backend)
    try {
      const head = await createLedger(handle.db).head('unsigned-tail')
      const last = await handle.db
        .selectFrom('ledger_checkpoints')
        .select(['seq', 'hash'])
        .where('chain', '=', 'unsigned-tail')
        .orderBy('id', 'desc')
        .executeTakeFirstOrThrow()
      expect({ seq: Number(last.seq), hash: last.hash }).toEqual({ seq: 8, hash: head?.hash })
    } finally {
      await handle.close()
    }
  })
})

describe.skipIf(!postgresEnabled)('arbiter serve on PostgreSQL refuses generated keys', () => {
  let backend: TestBackend
  let dir: string
  beforeAll(async () => {
    backend = await createPostgresBackend()
    dir = tempDir('arbiter-refuse-')
  })
  afterAll(async () => {
    await backend?.dispose()
    rmSync(dir, { recursive: true, force: true })
  })

  it('names every variable to set, in one line, exit 2; the demo flag lets it start', async () => {
    const base = { DATABASE_URL: backend.databaseUrl!, ARBITER_DATA_DIR: dir }
    const refused = await runArbiter(['serve', '--port', '0'], base)
    expect(refused.code).toBe(2)
    expect(refused.stderr).toBe(
      'arbiter: PostgreSQL mode needs keys from your secret store, not generated ones: set ARBITER_SIGNING_KEY, ARBITER_REDACTION_KEY, ARBITER_TRUSTED_KEYS (or --allow-generated-keys / ARBITER_ALLOW_GENERATED_KEYS=1 for a demo)\n',
    )
    const keys = writeKeyPair(dir, 'k')
    const partly = await runArbiter(['serve', '--port', '0'], {
      ...base,
      ARBITER_SIGNING_KEY: keys.privatePath,
      ARBITER_REDACTION_KEY: 'x'.repeat(32),
    })
    expect(partly.code).toBe(2)
    expect(partly.stderr).toMatch(/set ARBITER_TRUSTED_KEYS \(or/)
    const demo = await startServe([], { ...base, ARBITER_ALLOW_GENERATED_KEYS: '1' })
    expect(await demo.stop()).toBe(0)
  })
})
