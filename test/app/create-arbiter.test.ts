import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { type Arbiter, createArbiter, loadConfig } from '../../src/app/index.js'
import type { CallContext } from '../../src/guard/index.js'
import { createLedger, openDatabase, readAnchors, verifyChain } from '../../src/ledger/index.js'
import { silentLogger } from '../../src/shared/index.js'
import { bundlePath } from '../server/server-fixture.js'
import { backendFactories, createPgliteBackend, type TestBackend } from '../support/backends.js'
import { runCliCaptured } from '../support/run-cli.js'

const root = fileURLToPath(new URL('../..', import.meta.url))

const context: CallContext = {
  agent: { id: 'fin-assistant', runtime: 'test-service' },
  principal: { id: 'emp-204', roles: ['payments_officer'], tenant: 'acme' },
  session: { id: 'sess-app-1' },
}

const balanceCall = {
  tool: { name: 'accounts.get_balance', kind: 'client' },
  arguments: { account_number: '4401778812' },
  ...context,
}

function wrapBalance(arbiter: Arbiter) {
  return arbiter.guard.wrap(
    'accounts.get_balance',
    async (args: { account_number: string }) => ({ account: args.account_number, usd: 100 }),
    { context },
  )
}

describe.each(backendFactories)('createArbiter on %s', (name, makeBackend) => {
  let backend: TestBackend
  let dir: string
  beforeEach(async () => {
    backend = await makeBackend()
    dir = mkdtempSync(join(tmpdir(), 'arbiter-app-'))
  })
  afterEach(async () => {
    await backend.dispose()
    rmSync(dir, { recursive: true, force: true })
  })

  const configFor = (extra: Record<string, string> = {}) =>
    loadConfig(
      {},
      {
        env: {
          ...(backend.databaseUrl ? { DATABASE_URL: backend.databaseUrl } : {}),
          ARBITER_DATA_DIR: backend.dataDir ?? join(dir, 'keys'),
          ARBITER_BUNDLE: bundlePath,
          ...extra,
        },
      },
    )

  it('opens the configured database and signs checkpoints on the cadence and at close', async () => {
    const anchorDir = join(dir, 'anchors')
    const config = configFor({
      ARBITER_ANCHOR_DIR: anchorDir,
      ARBITER_CHECKPOINT_EVERY: '4',
      ARBITER_CHECKPOINT_INTERVAL_MS: '0',
    })
    const arbiter = await createArbiter(config, { logger: silentLogger, chain: 'svc' })
    expect(arbiter.database.kind).toBe(name)
    if (backend.dataDir) {
      expect(arbiter.database.dataDir).toBe(backend.dataDir)
      expect(existsSync(join(backend.dataDir, 'pglite'))).toBe(true)
    }
    // No keys configured: both generated in the data dir, where the CLI finds them too.
    expect(existsSync(join(config.dataDir, 'signing-key.pem'))).toBe(true)
    expect(existsSync(join(config.dataDir, 'redaction-key'))).toBe(true)

    const getBalance = wrapBalance(arbiter)
    await getBalance({ account_number: '4401778812' })
    await getBalance({ account_number: '4401778812' })
    // Four entries (the bundle's policy_loaded, two decisions, an outcome): the cadence signs seq 4 in
    // the background.
    await vi.waitFor(() => expect(readAnchors(anchorDir, 'svc')).toHaveLength(1))
    await getBalance({ account_number: '4401778812' })
    await arbiter.close()
    await arbiter.close() // idempotent

    const handle = await openDatabase(config)
    try {
      const signed = await handle.db
        .selectFrom('ledger_checkpoints')
        .select('seq')
        .where('chain', '=', 'svc')
        .orderBy('seq')
        .execute()
      // seq 7 was signed by close(): a short run is covered too.
      expect(signed.map((row) => Number(row.seq))).toEqual([4, 7])
      expect(
        readAnchors(anchorDir, 'svc')
          .map((a) => (a as { seq: number }).seq)
          .sort(),
      ).toEqual([4, 7])
      const report = await verifyChain(createLedger(handle.db), 'svc', { anchorDir })
      expect(report).toMatchObject({ ok: true, entries: 7 })
    } finally {
      await handle.close()
    }
  })

  it('checks the schema instead of migrating when told not to migrate', async () => {
    await expect(
      createArbiter(configFor(), { logger: silentLogger, migrate: false }),
    ).rejects.toThrowWithCode('LEDGER_NOT_MIGRATED')
  })

  it('gives another guard the same wiring on another chain', async () => {
    const arbiter = await createArbiter(configFor(), { logger: silentLogger })
    try {
      const tenant = arbiter.createGuard({ chain: 'tenant-b' })
      expect(arbiter.guard.chain).toBe('default')
      await tenant.execute(balanceCall, () => 1)
      const [decision] = await arbiter.ledger.findByType('decision', { chain: 'tenant-b' })
      // Redacted with the configured key, like every other guard of this ledger.
      expect(JSON.stringify(decision?.body)).not.toContain('4401778812')
    } finally {
      await arbiter.close()
    }
  })
})

describe('createArbiter with the default logger', () => {
  let backend: TestBackend
  beforeEach(async () => {
    backend = await createPgliteBackend()
  })
  afterEach(async () => {
    vi.unstubAllEnvs()
    await backend.dispose()
  })

  it('logs to stderr, and the CLI given the same environment verifies the ledger it wrote', async () => {
    const entry = pathToFileURL(join(root, 'src', 'index.ts')).href
    const script = `import(${JSON.stringify(entry)}).then(async ({ createArbiter, loadConfig }) => {
      const arbiter = await createArbiter(loadConfig())
      await arbiter.guard.execute(${JSON.stringify(balanceCall)}, () => 1)
      await arbiter.close()
    })`
    const env = { ARBITER_DATA_DIR: backend.dataDir!, ARBITER_BUNDLE: bundlePath }
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(([key]) => !/^(ARBITER_|DATABASE_URL$)/.test(key)),
    )
    const { stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '-e', script], {
      cwd: root,
      env: { ...inherited, ...env },
    })
    const records = stderr
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level: number; msg: string; dataDir?: string })
    expect(records).toContainEqual(
      expect.objectContaining({
        level: 40,
        msg: expect.stringContaining('generated a checkpoint signing key'),
      }),
    )
    expect(records).toContainEqual(
      expect.objectContaining({ level: 30, msg: 'arbiter ready', dataDir: backend.dataDir }),
    )

    for (const [key, value] of Object.entries(env)) vi.stubEnv(key, value)
    vi.stubEnv('DATABASE_URL', '')
    const run = await runCliCaptured('verify', '--json')
    expect(run.code).toBe(0)
    const report = JSON.parse(run.stdout) as {
      chains: { chain: string; entries: number; checkpoints: number }[]
    }
    // The bundle's policy_loaded entry, the decision and its outcome.
    expect(report.chains).toEqual([expect.objectContaining({ chain: 'default', entries: 3, checkpoints: 1 })])
  })
})
