import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createBundleArchive, createLedger, exportLines, openDatabase } from '../../src/ledger/index.js'
import { archiveSource, databaseBatches, type ReplayReport, runReplay } from '../../src/replay/index.js'
import { repoRoot } from '../ledger/support.js'
import { makeTempDir, removeDir } from '../policy/helpers.js'
import { backendFactories, type TestBackend } from '../support/backends.js'
import { runCliCaptured } from '../support/run-cli.js'
import { buildBundles, CHAIN, type Recorded, recordDecisions } from './replay-fixture.js'

const dir = makeTempDir('arbiter-replay-')
let bundles: Awaited<ReturnType<typeof buildBundles>>
beforeAll(async () => {
  bundles = await buildBundles(dir)
}, 120_000)
afterAll(() => removeDir(dir))

// Each replay starts worker threads that load two bundles: on a busy shared machine that takes a while.
const SLOW = 240_000

const golden = join(repoRoot, 'test', 'fixtures', 'replay', 'tightened-limit.md')
// The candidate's SHA-256 depends on the tar's timestamps; everything else in the report is fixed.
const normalise = (markdown: string) => markdown.replace(/sha256 `[0-9a-f]{12}`/, 'sha256 `<candidate>`')

describe.each(backendFactories)('policy replay on %s', (_name, createBackend) => {
  let backend: TestBackend
  let recorded: Recorded
  const dbFlags = () =>
    backend.databaseUrl ? ['--database-url', backend.databaseUrl] : ['--data-dir', backend.dataDir!]
  const replayCli = (...args: string[]) =>
    runCliCaptured(
      'policy',
      'replay',
      '--candidate',
      bundles.candidate.path,
      ...dbFlags(),
      '--chain',
      CHAIN,
      ...args,
    )

  beforeAll(async () => {
    backend = await createBackend()
    recorded = await recordDecisions(backend, bundles.recorded.path)
  }, 120_000)
  afterAll(async () => {
    await backend.dispose()
  })

  async function withDatabase<T>(
    use: (db: Awaited<ReturnType<typeof openDatabase>>['db']) => Promise<T>,
  ): Promise<T> {
    const handle = await openDatabase(
      backend.databaseUrl ? { databaseUrl: backend.databaseUrl } : { dataDir: backend.dataDir! },
    )
    try {
      return await use(handle.db)
    } finally {
      await handle.close()
    }
  }

  it(
    'archives the bundle that decided and records its load before the first decision',
    async () => {
      await withDatabase(async (db) => {
        const archived = await createBundleArchive(db).get(bundles.recorded.sha256)
        expect(Buffer.from(archived!.bytes).equals(readFileSync(bundles.recorded.path))).toBe(true)
        expect(archived!.revision).toBe('replay-r1')
        const [first] = await createLedger(db).findByType('policy_loaded', { chain: CHAIN })
        expect(first).toMatchObject({
          seq: 1,
          body: {
            sha256: bundles.recorded.sha256,
            revision: 'replay-r1',
            previous_sha256: null,
            reason: 'start',
          },
        })
      })
    },
    SLOW,
  )

  it(
    'shows exactly the transfers a tightened limit affects',
    async () => {
      const report: ReplayReport = await withDatabase(async (db) =>
        runReplay({
          candidate: readFileSync(bundles.candidate.path),
          source: databaseBatches(db, { chain: CHAIN }, 2),
          recordedBundle: archiveSource(createBundleArchive(db)),
          workers: 2,
        }),
      )
      expect(report).toMatchObject({
        candidate: { revision: 'replay-r2-tight', sha256: bundles.candidate.sha256 },
        decisions: 6,
        replayed: 5,
        unchanged: 3,
        changes: {
          allow_to_deny: 2,
          deny_to_allow: 0,
          approval_added: 0,
          approval_removed: 0,
          rules_changed: 0,
        },
        // The allows carried the allowlist's reason; the candidate's denies carry the limit's instead.
        rules: [
          { rule: 'common.tool_allowlist', added: 0, removed: 2 },
          { rule: 'fintech.transfer_limit', added: 2, removed: 0 },
        ],
        recordedBundles: [{ sha256: bundles.recorded.sha256, revision: 'replay-r1' }],
      })
      expect(report.examples.map((e) => e.decisionId)).toEqual([...recorded.tightened])
      expect(report.examples[0]).toMatchObject({
        kind: 'allow_to_deny',
        chain: CHAIN,
        tool: 'payments.transfer',
        recorded: { action: 'allow', rules: ['common.tool_allowlist'] },
        candidate: { action: 'deny', rules: ['fintech.transfer_limit'] },
      })
    },
    SLOW,
  )

  it(
    'reports a decision whose rule read a redacted field as not replayable',
    async () => {
      const report = await withDatabase(async (db) =>
        runReplay({
          candidate: readFileSync(bundles.candidate.path),
          source: databaseBatches(db, { chain: CHAIN }),
          recordedBundle: archiveSource(createBundleArchive(db)),
        }),
      )
      expect(report.notReplayable).toEqual({
        fidelity_mismatch: 1,
        bundle_not_archived: 0,
        input_invalid: 0,
        evaluation_failed: 0,
      })
      expect(report.notReplayableExamples).toMatchObject([
        { reason: 'fidelity_mismatch', decisionId: recorded.restricted },
      ])
      expect(report.notReplayableExamples[0]!.detail).toContain('fintech.sanctioned_counterparty')
    },
    SLOW,
  )

  it(
    'counts decisions whose bundle is not archived apart, never guessed',
    async () => {
      const report = await withDatabase(async (db) =>
        runReplay({
          candidate: readFileSync(bundles.candidate.path),
          source: databaseBatches(db, { chain: CHAIN }),
          recordedBundle: async () => null,
        }),
      )
      expect(report).toMatchObject({ decisions: 6, replayed: 0, notReplayable: { bundle_not_archived: 6 } })
    },
    SLOW,
  )

  it(
    'selects by tool, agent and rule',
    async () => {
      const run = (selection: Parameters<typeof databaseBatches>[1]) =>
        withDatabase(async (db) =>
          runReplay({
            candidate: readFileSync(bundles.candidate.path),
            source: databaseBatches(db, selection),
            recordedBundle: archiveSource(createBundleArchive(db)),
            selection,
          }),
        )
      expect((await run({ tool: 'accounts.get_balance' })).decisions).toBe(1)
      expect((await run({ agent: 'someone-else' })).decisions).toBe(0)
      expect((await run({ rule: 'fintech.transfer_limit' })).decisions).toBe(1)
      expect((await run({ chain: CHAIN, fromSeq: 3, toSeq: 4 })).decisions).toBe(2)
    },
    SLOW,
  )

  it(
    'prints the markdown report of the golden file',
    async () => {
      const run = await replayCli('--format', 'markdown')
      expect(run.stderr).toBe('')
      expect(run.code).toBe(0)
      expect(normalise(run.stdout)).toBe(readFileSync(golden, 'utf8'))
    },
    SLOW,
  )

  it(
    'exits 1 when a --fail-on kind is found, 0 when none is, 2 for an unknown kind',
    async () => {
      const failing = await replayCli('--fail-on', 'deny_to_allow,allow_to_deny', '--format', 'json')
      expect(failing.code).toBe(1)
      expect(failing.stderr).toBe('arbiter: replay found allow_to_deny (2)\n')
      expect(JSON.parse(failing.stdout)).toMatchObject({ changes: { allow_to_deny: 2 } })
      const passing = await replayCli('--fail-on', 'deny_to_allow,approval_removed')
      expect(passing.code).toBe(0)
      expect(passing.stdout).toContain('allow_to_deny      2')
      const bad = await replayCli('--fail-on', 'allow_to_maybe')
      expect(bad.code).toBe(2)
      expect(bad.stderr).toContain('--fail-on takes change kinds')
    },
    SLOW,
  )

  it(
    'shows an archived bundle by SHA-256 or revision, and writes its bytes with --out',
    async () => {
      const shown = await runCliCaptured('policy', 'show', bundles.recorded.sha256, ...dbFlags())
      expect(shown.code).toBe(0)
      expect(JSON.parse(shown.stdout)).toMatchObject({
        sha256: bundles.recorded.sha256,
        manifest: { revision: 'replay-r1' },
      })
      const out = join(dir, `${backend.name}-shown.tar.gz`)
      const byRevision = await runCliCaptured('policy', 'show', 'replay-r1', '--out', out, ...dbFlags())
      expect(byRevision.code).toBe(0)
      expect(readFileSync(out).equals(readFileSync(bundles.recorded.path))).toBe(true)
      const missing = await runCliCaptured('policy', 'show', 'no-such-revision', ...dbFlags())
      expect(missing.code).toBe(1)
      expect(missing.stderr).toBe('arbiter: no archived bundle with sha256 or revision "no-such-revision"\n')
    },
    SLOW,
  )

  describe('from an export', () => {
    const exportPath = () => join(dir, `${backend.name}-export.jsonl`)
    const archiveDir = () => join(dir, `${backend.name}-archive`)
    beforeAll(async () => {
      await withDatabase(async (db) => {
        const lines: string[] = []
        for await (const line of exportLines(createLedger(db), { format: 'jsonl' })) lines.push(`${line}\n`)
        writeFileSync(exportPath(), lines.join(''))
      })
      mkdirSync(archiveDir(), { recursive: true })
      const sha = bundles.recorded.sha256
      const saved = await runCliCaptured(
        'policy',
        'show',
        sha,
        '--out',
        join(archiveDir(), `${sha}.tar.gz`),
        ...dbFlags(),
      )
      expect(saved.code).toBe(0)
    })
    const fromExport = (path: string, ...args: string[]) =>
      runCliCaptured(
        'policy',
        'replay',
        '--candidate',
        bundles.candidate.path,
        '--from-export',
        path,
        '--archive',
        archiveDir(),
        '--format',
        'json',
        ...args,
      )

    it(
      'verifies the export and reports what the database source reports',
      async () => {
        const run = await fromExport(exportPath())
        expect(run.code).toBe(0)
        expect(JSON.parse(run.stdout)).toMatchObject({
          decisions: 6,
          replayed: 5,
          changes: { allow_to_deny: 2 },
          notReplayable: { fidelity_mismatch: 1 },
        })
      },
      SLOW,
    )

    it(
      'refuses a doctored export (an amount edited after the fact)',
      async () => {
        const doctored = join(dir, `${backend.name}-doctored.jsonl`)
        const text = readFileSync(exportPath(), 'utf8')
        expect(text).toContain('"amount":7000')
        writeFileSync(doctored, text.replace('"amount":7000', '"amount":700'))
        const run = await fromExport(doctored)
        expect(run.code).toBe(1)
        expect(run.stdout).toBe('')
        expect(run.stderr).toMatch(
          /^arbiter: export refused: chain pay seq 3 hash_mismatch: .* \[REPLAY_EXPORT_INVALID\]\n$/,
        )
      },
      SLOW,
    )

    it(
      'refuses a cut export (no end line)',
      async () => {
        const cut = join(dir, `${backend.name}-cut.jsonl`)
        const lines = readFileSync(exportPath(), 'utf8').trimEnd().split('\n')
        writeFileSync(cut, `${lines.slice(0, -1).join('\n')}\n`)
        const run = await fromExport(cut)
        expect(run.code).toBe(1)
        expect(run.stderr).toContain('export refused: export truncated')
      },
      SLOW,
    )
  })
})
