import { generateKeyPairSync } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { CONFIG_ENV_VARS, loadConfig, resolveRedactionKey } from '../../src/app/index.js'
import { configFromFlags } from '../../src/cli/config.js'
import { cosignerKeyOf } from '../../src/ledger/index.js'
import { DEFAULT_BUNDLE_PATH } from '../../src/policy/index.js'
import { silentLogger } from '../../src/shared/index.js'
import { runCliCaptured } from '../support/run-cli.js'

describe('loadConfig', () => {
  describe('with nothing set', () => {
    it('uses the embedded database in ./.arbiter, the checkout bundle and the documented cadence', () => {
      expect(loadConfig({}, { env: {} })).toEqual({
        dataDir: resolve('.arbiter'),
        bundlePath: DEFAULT_BUNDLE_PATH,
        checkpoint: { everyEntries: 1000, everyMs: 60_000 },
        witnesses: [],
        deployment: 'arbiter',
        logLevel: 'info',
        admission: {},
        evaluation: {},
      })
    })
  })

  describe('precedence', () => {
    const witnessKey = cosignerKeyOf('witness.example/w1', generateKeyPairSync('ed25519').privateKey)
    const env = {
      DATABASE_URL: 'postgres://env/db',
      ARBITER_DATA_DIR: 'env-data',
      ARBITER_BUNDLE: '/env/bundle.tar.gz',
      ARBITER_SIGNING_KEY: '/env/signing.pem',
      ARBITER_REDACTION_KEY: 'env-redaction-key-0123',
      ARBITER_ANCHOR_DIR: '/env/anchors',
      ARBITER_CHECKPOINT_EVERY: '10',
      ARBITER_CHECKPOINT_INTERVAL_MS: '0',
      ARBITER_LOG_LEVEL: 'debug',
      ARBITER_MAX_ARGUMENT_DEPTH: '40',
      ARBITER_MAX_ARGUMENT_NODES: '20000',
      ARBITER_EVAL_TIMEOUT_MS: '500',
      ARBITER_EVAL_WORKERS: '3',
      ARBITER_EVAL_MAX_MEMORY_MB: '64',
      ARBITER_WITNESS_URLS: `http://w1.example:7380=${witnessKey.vkey}`,
      ARBITER_DEPLOYMENT: 'arbiter.example.com',
    }

    it('reads every variable of the environment, paths made absolute', () => {
      expect(loadConfig({}, { env })).toEqual({
        databaseUrl: 'postgres://env/db',
        dataDir: resolve('env-data'),
        bundlePath: '/env/bundle.tar.gz',
        signingKeyPath: '/env/signing.pem',
        redactionKey: 'env-redaction-key-0123',
        anchorDir: '/env/anchors',
        checkpoint: { everyEntries: 10, everyMs: 0 },
        witnesses: [
          { url: 'http://w1.example:7380', key: expect.objectContaining({ vkey: witnessKey.vkey }) },
        ],
        deployment: 'arbiter.example.com',
        logLevel: 'debug',
        admission: { maxDepth: 40, maxNodes: 20_000 },
        evaluation: { evaluationTimeoutMs: 500, workers: 3, maxMemoryMiB: 64 },
      })
      expect(Object.keys(env).sort()).toEqual([...CONFIG_ENV_VARS].sort())
    })

    it('takes overrides over the environment over the given defaults over the built-in ones', () => {
      const config = loadConfig(
        { dataDir: '/flag', databaseUrl: 'postgresql://flag/db', checkpoint: { everyMs: 5 } },
        {
          env: { ARBITER_DATA_DIR: '/env', ARBITER_CHECKPOINT_EVERY: '7' },
          defaults: { bundlePath: '/d/b.tgz' },
        },
      )
      expect(config).toMatchObject({
        databaseUrl: 'postgresql://flag/db',
        dataDir: '/flag',
        bundlePath: '/d/b.tgz',
        checkpoint: { everyEntries: 7, everyMs: 5 },
      })
      expect(
        loadConfig({}, { env: { ARBITER_BUNDLE: '/e.tgz' }, defaults: { bundlePath: '/d.tgz' } }).bundlePath,
      ).toBe('/e.tgz')
    })

    it('treats empty variables as unset', () => {
      const empty = Object.fromEntries(CONFIG_ENV_VARS.map((name) => [name, '']))
      expect(loadConfig({}, { env: empty })).toEqual(loadConfig({}, { env: {} }))
    })
  })

  describe('when values are unusable', () => {
    it('throws CONFIG_INVALID naming every bad variable at once', () => {
      const load = () =>
        loadConfig(
          {},
          {
            env: {
              ARBITER_CHECKPOINT_EVERY: 'often',
              ARBITER_CHECKPOINT_INTERVAL_MS: '-1',
              ARBITER_LOG_LEVEL: 'loud',
            },
          },
        )
      expect(load).toThrowWithCode('CONFIG_INVALID')
      expect(load).toThrow(
        'invalid configuration: ARBITER_CHECKPOINT_EVERY must be a non-negative integer, got "often"; ' +
          'ARBITER_CHECKPOINT_INTERVAL_MS must be a non-negative integer, got "-1"; ' +
          'ARBITER_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"',
      )
      expect(() => loadConfig({ checkpoint: { everyEntries: 1.5 } }, { env: {} })).toThrowWithCode(
        'CONFIG_INVALID',
      )
    })

    it('never echoes a secret it rejects', () => {
      const secretUrl = 'mysql://admin:hunter2-secret@db/ledger'
      const shortKey = 'tiny-secret'
      let message = ''
      try {
        loadConfig({}, { env: { DATABASE_URL: secretUrl, ARBITER_REDACTION_KEY: shortKey } })
      } catch (error) {
        message = (error as Error).message
      }
      expect(message).toBe(
        'invalid configuration: DATABASE_URL must be a postgres:// or postgresql:// URL; ' +
          'ARBITER_REDACTION_KEY must be at least 16 characters',
      )
      expect(message).not.toContain('hunter2')
      expect(message).not.toContain(shortKey)
    })
  })
})

describe('the CLI and loadConfig', () => {
  const dirs: string[] = []
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'arbiter-cfg-'))
    dirs.push(dir)
    return dir
  }
  afterEach(() => {
    vi.unstubAllEnvs()
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  })

  it('resolve the same configuration: flags are overrides over the same environment', () => {
    vi.stubEnv('ARBITER_DATA_DIR', '/from-env')
    vi.stubEnv('ARBITER_ANCHOR_DIR', '/anchors-env')
    expect(configFromFlags({})).toEqual(loadConfig())
    expect(configFromFlags({ dataDir: '/flag', anchorDir: '/anchors-flag', bundle: 'b.tgz' })).toEqual(
      loadConfig({ dataDir: '/flag', anchorDir: '/anchors-flag', bundlePath: 'b.tgz' }),
    )
  })

  it('opens the embedded database where ARBITER_DATA_DIR says, unless --data-dir says otherwise', async () => {
    const fromEnv = tempDir()
    const fromFlag = tempDir()
    vi.stubEnv('ARBITER_DATA_DIR', fromEnv)
    vi.stubEnv('DATABASE_URL', '')
    expect((await runCliCaptured('migrate')).code).toBe(0)
    expect(existsSync(join(fromEnv, 'pglite'))).toBe(true)
    expect((await runCliCaptured('migrate', '--data-dir', fromFlag)).code).toBe(0)
    expect(existsSync(join(fromFlag, 'pglite'))).toBe(true)
  })

  it('fails a command with one line and the code when the environment is unusable', async () => {
    vi.stubEnv('ARBITER_CHECKPOINT_EVERY', 'often')
    const run = await runCliCaptured('migrate', '--data-dir', tempDir())
    expect(run.code).toBe(1)
    expect(run.stderr).toBe(
      'arbiter: invalid configuration: ARBITER_CHECKPOINT_EVERY must be a non-negative integer, got "often" [CONFIG_INVALID]\n',
    )
  })
})

describe('resolveRedactionKey', () => {
  it('uses the configured key, else one generated once in the data dir', () => {
    const dir = mkdtempSync(join(tmpdir(), 'arbiter-cfg-'))
    try {
      expect(resolveRedactionKey({ dataDir: dir, redactionKey: 'a-long-enough-secret' }, silentLogger)).toBe(
        'a-long-enough-secret',
      )
      const generated = resolveRedactionKey({ dataDir: dir }, silentLogger)
      expect(generated).toMatch(/^[0-9a-f]{64}$/)
      expect(resolveRedactionKey({ dataDir: dir }, silentLogger)).toBe(generated)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
