import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  resolveAnchorDir,
  resolveCheckpointCadence,
  resolveDatabaseConfig,
  resolveRedactionKey,
} from '../../src/cli/config.js'
import { silentLogger } from '../../src/shared/index.js'

describe('CLI configuration', () => {
  it('takes flags over environment over the embedded default', () => {
    expect(resolveDatabaseConfig({}, {})).toEqual({ dataDir: '.arbiter' })
    expect(resolveDatabaseConfig({}, { DATABASE_URL: 'postgres://e/db', ARBITER_DATA_DIR: '/env' })).toEqual({
      databaseUrl: 'postgres://e/db',
      dataDir: '/env',
    })
    expect(
      resolveDatabaseConfig(
        { databaseUrl: 'postgres://f/db', dataDir: '/flag' },
        { DATABASE_URL: 'postgres://e/db' },
      ),
    ).toEqual({ databaseUrl: 'postgres://f/db', dataDir: '/flag' })
    expect(resolveDatabaseConfig({}, { DATABASE_URL: '' })).toEqual({ dataDir: '.arbiter' })
    expect(resolveAnchorDir(undefined, { ARBITER_ANCHOR_DIR: '/a' })).toBe('/a')
    expect(resolveAnchorDir('/b', { ARBITER_ANCHOR_DIR: '/a' })).toBe('/b')
  })

  it('reads the checkpoint cadence and rejects nonsense', () => {
    expect(resolveCheckpointCadence({})).toEqual({ everyEntries: 1000, everyMs: 60_000 })
    expect(
      resolveCheckpointCadence({ ARBITER_CHECKPOINT_EVERY: '10', ARBITER_CHECKPOINT_INTERVAL_MS: '0' }),
    ).toEqual({
      everyEntries: 10,
      everyMs: 0,
    })
    expect(() => resolveCheckpointCadence({ ARBITER_CHECKPOINT_EVERY: 'often' })).toThrow(
      /ARBITER_CHECKPOINT_EVERY/,
    )
  })

  it('uses ARBITER_REDACTION_KEY when set, else a generated key file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'arbiter-cfg-'))
    try {
      expect(resolveRedactionKey(dir, silentLogger, { ARBITER_REDACTION_KEY: 'a-long-enough-secret' })).toBe(
        'a-long-enough-secret',
      )
      expect(() => resolveRedactionKey(dir, silentLogger, { ARBITER_REDACTION_KEY: 'short' })).toThrow(
        /at least 16/,
      )
      const generated = resolveRedactionKey(dir, silentLogger, {})
      expect(generated).toMatch(/^[0-9a-f]{64}$/)
      expect(resolveRedactionKey(dir, silentLogger, {})).toBe(generated)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
