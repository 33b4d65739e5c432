import { copyFileSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPolicyLoadRecorder } from '../../src/app/record-policy-loads.js'
import { thisProcess } from '../../src/entries/index.js'
import { createBundleArchive, createLedger } from '../../src/ledger/index.js'
import { type BuiltBundle, loadPolicyEngine } from '../../src/policy/index.js'
import { buildShipped, makeTempDir, removeDir } from '../policy/helpers.js'
import { backendFactories, type TestBackend } from '../support/backends.js'
import { entriesOf, type LedgerStore, openStore } from '../support/guard-harness.js'

const dir = makeTempDir('arbiter-loads-')
let first: BuiltBundle
let second: BuiltBundle
beforeAll(async () => {
  first = await buildShipped(dir, 'loads-r1', 'first.tar.gz')
  second = await buildShipped(dir, 'loads-r2', 'second.tar.gz')
}, 120_000)
afterAll(() => removeDir(dir))

describe.each(backendFactories)('recording policy loads on %s', (name, createBackend) => {
  let backend: TestBackend
  let store: LedgerStore
  beforeAll(async () => {
    backend = await createBackend()
    store = await openStore(backend)
  }, 300_000) // a fresh PGlite on a busy shared machine can take minutes to create and migrate
  afterAll(async () => {
    await store?.close()
    await backend?.dispose()
  })

  const engineOn = (chain: string, bundlePath: string, ledger = store.ledger) =>
    loadPolicyEngine({
      bundlePath,
      evaluationTimeoutMs: 10_000,
      onLoad: createPolicyLoadRecorder({
        archive: createBundleArchive(store.db),
        ledger,
        chains: [chain],
        loadedBy: thisProcess('load test'),
      }),
    })

  it('archives the bundle and appends policy_loaded at start and on each reload', async () => {
    const path = join(dir, `${name}-live.tar.gz`)
    copyFileSync(first.path, path)
    const engine = await engineOn('loads', path)
    try {
      copyFileSync(second.path, path)
      expect(await engine.reload()).toMatchObject({ ok: true, changed: true })
      expect(engine.bundle.sha256).toBe(second.sha256)
    } finally {
      await engine.close()
    }
    const loads = (await entriesOf(store.ledger, 'loads')).map((e) => e.body)
    expect(loads).toMatchObject([
      { sha256: first.sha256, revision: 'loads-r1', previous_sha256: null, reason: 'start', source: path },
      { sha256: second.sha256, revision: 'loads-r2', previous_sha256: first.sha256, reason: 'reload' },
    ])
    const archive = createBundleArchive(store.db)
    for (const built of [first, second])
      expect(Buffer.from((await archive.get(built.sha256))!.bytes).equals(readFileSync(built.path))).toBe(
        true,
      )
  })

  it('stores a bundle once however often it is loaded', async () => {
    const a = await engineOn('once-a', first.path)
    const b = await engineOn('once-b', first.path)
    await a.close()
    await b.close()
    const rows = (await createBundleArchive(store.db).list()).filter((r) => r.sha256 === first.sha256)
    expect(rows).toHaveLength(1)
  })

  it('refuses to put a bundle in force when its load cannot be recorded', async () => {
    // A real ledger that was closed: every append is refused (LEDGER_CLOSED).
    const closed = createLedger(store.db)
    await closed.close()
    await expect(engineOn('refused', first.path, closed)).rejects.toThrowWithCode('POLICY_LOAD_UNRECORDED')
  })

  it('keeps the last good bundle when a reload cannot be recorded', async () => {
    const path = join(dir, `${name}-reload.tar.gz`)
    copyFileSync(first.path, path)
    let refuse = false
    const ledger = {
      append: (request: Parameters<LedgerStore['ledger']['append']>[0]) => {
        if (refuse) return Promise.reject(new Error('ledger down'))
        return store.ledger.append(request)
      },
    }
    const engine = await engineOn('reload-refused', path, ledger as LedgerStore['ledger'])
    try {
      refuse = true
      copyFileSync(second.path, path)
      const event = await engine.reload()
      expect(event).toMatchObject({ ok: false })
      if (!event.ok) expect(event.error.code).toBe('POLICY_LOAD_UNRECORDED')
      expect(engine.bundle.sha256).toBe(first.sha256)
    } finally {
      await engine.close()
    }
  })
})
