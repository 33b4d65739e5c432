// Attack: a denied call whose argument nests 5,000 arrays deep around 10 KB was stored by an older
// version; afterwards the API list and entry page answered 500, the HTTP export cut its stream,
// `arbiter export` exited 1 with nothing written, `verify --deep` reported a false hash_mismatch and
// the Python verifier died with RecursionError. Now every reader processes it, and the ledger refuses
// any new body past its limits.
import { randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  Checkpointer,
  createLedger,
  createLedgerQueries,
  exportLines,
  type LedgerEntry,
  verifyChain,
} from '../../src/ledger/index.js'
import type { PolicyEngine } from '../../src/policy/index.js'
import { createApiKeyStore } from '../../src/server/index.js'
import { canonicalJson, sha256Hex } from '../../src/shared/index.js'
import { backendFactories, openMigratedDatabase, type TestBackend } from '../support/backends.js'
import {
  contexts,
  entriesOf,
  guardFor,
  type LedgerStore,
  loadTestPolicy,
  openStore,
} from '../support/guard-harness.js'
import {
  databaseFlags,
  insertLikeAnOlderVersion,
  type KeyFiles,
  nested,
  pythonPresent,
  pyVerify,
  runArbiter,
  type ServeChild,
  startServe,
  tempDir,
  writeKeyPair,
} from './ledger-support.js'

const DEPTH = 5_000

function decisionBody(id: string, value: unknown): Record<string, unknown> {
  return {
    decision_id: id,
    action: 'deny',
    reasons: [{ rule: 'fintech.transfer_limit', message: 'too much' }],
    input: { tool: { name: 'payments.transfer' }, arguments: { memo: value } },
    redacted: [],
  }
}

describe.each(backendFactories)(
  'every reader processes a 5,000-deep stored entry on %s',
  (_name, createBackend) => {
    let backend: TestBackend
    let dir: string
    let keys: KeyFiles
    let deep: LedgerEntry
    let head: { seq: number; hash: string }
    let auditorKey: string
    let env: Record<string, string>

    beforeAll(async () => {
      backend = await createBackend()
      dir = tempDir('arbiter-readers-')
      keys = writeKeyPair(dir, 'signing')
      const handle = await openMigratedDatabase(backend)
      const checkpointer = new Checkpointer(handle.db, {
        signingKey: keys.privateKey,
        everyEntries: 0,
        everyMs: 0,
      })
      const ledger = createLedger(handle.db, { checkpointer })
      for (let i = 1; i <= 3; i++)
        await ledger.append({ chain: 'default', type: 'decision', body: decisionBody(`d${i}`, i) })
      await checkpointer.checkpoint('default')
      deep = await insertLikeAnOlderVersion(
        handle.db,
        'default',
        'decision',
        decisionBody('d-deep', nested(DEPTH)),
      )
      for (let i = 5; i <= 6; i++)
        await ledger.append({ chain: 'default', type: 'decision', body: decisionBody(`d${i}`, i) })
      const last = await ledger.append({
        chain: 'default',
        type: 'outcome',
        body: { decision_id: 'd6', status: 'ok' },
      })
      head = { seq: last.seq, hash: last.hash }
      await ledger.close() // signs the final checkpoint, past the deep entry
      auditorKey = (await createApiKeyStore(handle.db).create({ role: 'auditor', name: 'readers test' })).key
      await handle.close()
      env = {
        ...(backend.databaseUrl ? { DATABASE_URL: backend.databaseUrl } : {}),
        ARBITER_SIGNING_KEY: keys.privatePath,
        ARBITER_TRUSTED_KEYS: keys.publicPath,
        ARBITER_REDACTION_KEY: randomBytes(32).toString('hex'),
        ARBITER_CHECKPOINT_INTERVAL_MS: '0',
      }
    })

    afterAll(async () => {
      await backend?.dispose()
      rmSync(dir, { recursive: true, force: true })
    })

    describe('through a real `arbiter serve`', () => {
      let serve: ServeChild
      const get = (path: string) =>
        fetch(`${serve.url}${path}`, { headers: { authorization: `Bearer ${auditorKey}` } })

      beforeAll(async () => {
        serve = await startServe(backend.dataDir ? ['--data-dir', backend.dataDir] : [], env)
        // A starting server appends `policy_loaded` for its bundle: the head moves past the written entries.
        const { entries } = (await (await get('/v1/entries?limit=1')).json()) as { entries: LedgerEntry[] }
        expect(entries[0]).toMatchObject({ seq: head.seq + 1, type: 'policy_loaded' })
        head = { seq: entries[0]!.seq, hash: entries[0]!.hash }
      })
      afterAll(async () => {
        expect(await serve?.stop()).toBe(0)
      })

      it('lists entries, showing the deep body as an explicit omission', async () => {
        const response = await get('/v1/entries?limit=50')
        expect(response.status).toBe(200)
        const { entries } = (await response.json()) as { entries: LedgerEntry[] }
        expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: head.seq }, (_, i) => head.seq - i))
        const shown = entries.find((e) => e.seq === deep.seq)!
        expect(shown.hash).toBe(deep.hash)
        expect(shown.body).toEqual({
          body_omitted: {
            reason: 'max_depth',
            message: expect.stringContaining('deeper than 48 levels'),
            bytes: expect.any(Number),
            sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
          },
        })
      })

      it('shows the entry page of the deep entry and of its neighbours', async () => {
        const page = await get(`/v1/entries/default/${deep.seq}`)
        expect(page.status).toBe(200)
        expect(((await page.json()) as { entry: LedgerEntry }).entry.seq).toBe(deep.seq)
        expect((await get('/v1/entries/default/5')).status).toBe(200)
      })

      it('exports the whole ledger (JSONL and CSV) without cutting the stream', async () => {
        const jsonl = await (await get('/v1/export?format=jsonl')).text()
        const lines = jsonl.trimEnd().split('\n')
        expect(JSON.parse(lines.at(-1)!)).toMatchObject({ export_end: { entries: head.seq } })
        expect(lines.some((l) => l.includes('"d-deep"'))).toBe(true)
        if (pythonPresent) {
          const run = pyVerify(jsonl, ['--trusted-key', keys.publicPath])
          expect(run.stdout).toBe(`ok: default ${head.seq} entries, head ${head.hash}\n`)
          expect(run.code).toBe(0)
        }
        const csv = await (await get('/v1/export?format=csv')).text()
        expect(csv.trimEnd().split('\n')).toHaveLength(head.seq + 1)
      })

      it('verifies the chain through /v1/verify with the pinned key', async () => {
        const response = await fetch(`${serve.url}/v1/verify`, {
          method: 'POST',
          headers: { authorization: `Bearer ${auditorKey}`, 'content-type': 'application/json' },
          body: '{}',
        })
        const result = (await response.json()) as { ok: boolean; results: { entries: number }[] }
        expect(result).toMatchObject({ ok: true, results: [{ entries: head.seq }] })
      })
    })

    it('`arbiter export` writes it all, and the Python verifier (pure Python too) accepts it', async () => {
      const run = await runArbiter(['export', ...databaseFlags(backend), '--format', 'jsonl'], env)
      expect(run.stderr).toBe('')
      expect(run.code).toBe(0)
      const lines = run.stdout.split('\n').filter(Boolean)
      // The checkpoint before the deep entry, the final one `close()` signed and the one the stopped
      // server signed past its `policy_loaded`, every entry, the end line.
      expect(lines.filter((l) => l.startsWith('{"checkpoint"'))).toHaveLength(3)
      expect(lines).toHaveLength(3 + head.seq + 1)
      if (!pythonPresent) return
      for (const extra of [[], ['--pure-python']]) {
        const verified = pyVerify(run.stdout, ['--trusted-key', keys.publicPath, ...extra])
        expect(verified.stderr).toBe('')
        expect(verified.stdout).toBe(`ok: default ${head.seq} entries, head ${head.hash}\n`)
        expect(verified.code).toBe(0)
      }
    })

    it('`arbiter verify` and `verify --deep` report the chain intact (no false hash_mismatch)', async () => {
      for (const extra of [[], ['--deep']]) {
        const run = await runArbiter(['verify', ...databaseFlags(backend), ...extra], env)
        expect(run.stdout).toBe(`ok: default ${head.seq} entries, head ${head.hash}\n`)
        expect(run.code).toBe(0)
      }
    })
  },
)

describe.each(backendFactories)(
  'the ledger refuses bodies a reader could not process on %s',
  (_name, createBackend) => {
    let backend: TestBackend
    let handle: Awaited<ReturnType<typeof openMigratedDatabase>>
    let ledger: ReturnType<typeof createLedger>

    beforeAll(async () => {
      backend = await createBackend()
      handle = await openMigratedDatabase(backend)
      ledger = createLedger(handle.db)
    })
    afterAll(async () => {
      await ledger?.close()
      await handle?.close()
      await backend?.dispose()
    })

    const wide = Object.fromEntries(Array.from({ length: 30_000 }, (_, i) => [`k${i}`, i]))
    it.each([
      ['nested 5,000 deep', decisionBody('d', nested(DEPTH)), 'max_depth', '(48)'],
      ['nested one past the limit', { v: nested(48) }, 'max_depth', '/v/0'],
      ['with 30,000 values', { wide }, 'max_nodes', '(25000)'],
      ['with a lone surrogate', { memo: 'a\udc00b' }, 'lone_surrogate', '/memo'],
      ['with a lone surrogate in a member name', { '\ud800': 1 }, 'lone_surrogate', 'member name'],
      ['with U+0000', { memo: { deeper: 'a\u0000b' } }, 'nul_character', '/memo/deeper'],
    ])('refuses a body %s with LEDGER_BODY_INVALID naming the rule', async (_what, body, kind, detail) => {
      const refused = ledger.append({ chain: 'refused', type: 'decision', body })
      await expect(refused).rejects.toThrowWithCode('LEDGER_BODY_INVALID')
      await expect(refused).rejects.toThrow(new RegExp(`\\[${kind}\\]`))
      await expect(refused).rejects.toThrow(detail)
      expect(await ledger.head('refused')).toBeNull()
    })

    it('stores a body right at the limits, and large doubles exactly', async () => {
      const entry = await ledger.append({
        chain: 'accepted',
        type: 'decision',
        body: { v: nested(47), n: [1e21, 2 ** 53] },
      })
      expect(entry.seq).toBe(1)
    })

    it('applies configured body limits', async () => {
      const strict = createLedger(handle.db, { bodyLimits: { maxDepth: 2, maxNodes: 100 } })
      await expect(
        strict.append({ chain: 'strict', type: 't', body: { a: { b: { c: 1 } } } }),
      ).rejects.toThrow(/\(2\) \[max_depth\]/)
      await strict.close()
    })
  },
)

describe.each(backendFactories)('a tool result too deep to store on %s', (_name, createBackend) => {
  let backend: TestBackend
  let store: LedgerStore
  let policy: PolicyEngine

  beforeAll(async () => {
    backend = await createBackend()
    store = await openStore(backend)
    policy = await loadTestPolicy()
  })
  afterAll(async () => {
    await store?.close()
    await policy?.close()
    await backend?.dispose()
  })

  it('still records the outcome, with the result hash and why the result was omitted', async () => {
    const guard = guardFor(store.ledger, policy, { chain: 'results', recordResults: true })
    const result = { rows: nested(DEPTH) }
    const lookup = guard.wrap('accounts.get_balance', (_args: object) => result, { context: contexts.teller })
    expect(await lookup({ account_number: '1' })).toBe(result)
    const outcome = (await entriesOf(store.ledger, 'results')).find((e) => e.type === 'outcome')
    expect(outcome?.body).toMatchObject({
      status: 'ok',
      result_sha256: sha256Hex(canonicalJson(result)),
      result_omitted: { reason: 'max_depth', message: expect.stringContaining('/rows/0/0') },
    })
    expect(outcome?.body.result).toBeUndefined()
  })
})

describe.each(backendFactories)('a stored row the format cannot describe on %s', (_name, createBackend) => {
  let backend: TestBackend

  beforeAll(async () => {
    backend = await createBackend()
    const handle = await openMigratedDatabase(backend)
    const ledger = createLedger(handle.db)
    await ledger.append({ chain: 'odd', type: 'decision', body: { i: 1 } })
    // A body that is JSON but not an object, hashed and linked as if it were valid (tampering).
    await insertLikeAnOlderVersion(handle.db, 'odd', 'decision', [1, 2] as unknown as Record<string, unknown>)
    await ledger.append({ chain: 'odd', type: 'decision', body: { i: 3 } })
    await handle.close()
  })
  afterAll(async () => {
    await backend?.dispose()
  })

  it('is shown as an omission by the API reads, exported in full, and rejected by both verifiers', async () => {
    const handle = await openMigratedDatabase(backend)
    try {
      const queries = createLedgerQueries(handle.db)
      const { entries } = await queries.listEntries({ chain: 'odd' })
      expect(entries.find((e) => e.seq === 2)?.body).toMatchObject({ body_omitted: { reason: 'not_object' } })
      const ledger = createLedger(handle.db)
      const lines: string[] = []
      for await (const line of exportLines(ledger, { format: 'jsonl', chain: 'odd' })) lines.push(line)
      expect(lines).toHaveLength(4) // every row, then the end line: the export is not cut
      expect(JSON.parse(lines[1]!)).toMatchObject({ seq: 2, body: [1, 2] })
      expect((await verifyChain(ledger, 'odd')).failure).toMatchObject({ seq: 2, kind: 'hash_mismatch' })
      // The library's typed reads say the row breaks the format, instead of handing on a non-object.
      const read = async () => {
        for await (const _ of ledger.entries('odd'));
      }
      await expect(read()).rejects.toThrowWithCode('LEDGER_ROW_INVALID')
      if (pythonPresent) {
        const run = pyVerify(`${lines.join('\n')}\n`)
        expect(run.stdout).toBe('FAIL: line 2 malformed: body must be an object\n')
        expect(run.code).toBe(1)
      }
    } finally {
      await handle.close()
    }
  })
})
