import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createLedger, migrateToLatest, openDatabase } from '../../src/ledger/index.js'
import { ArbiterMigrationProvider } from '../../src/ledger/migrations.js'
import { backendFactories } from '../support/backends.js'
import { runCliProcess } from './support.js'

describe.each(backendFactories)('openDatabase and migrateToLatest on %s', (name, createBackend) => {
  it('migrates once, is a no-op the second time, and keeps committed entries across a reopen', async () => {
    const backend = await createBackend()
    const options = backend.databaseUrl ? { databaseUrl: backend.databaseUrl } : { dataDir: backend.dataDir! }
    try {
      const first = await openDatabase(options)
      expect(first.kind).toBe(name)
      expect(await migrateToLatest(first.db)).toEqual(
        expect.arrayContaining(['0001_ledger_tables', '0002_ledger_append_only', '0003_ledger_roles']),
      )
      expect(await migrateToLatest(first.db)).toEqual([])
      const ledger = createLedger(first.db)
      const entry = await ledger.append({ chain: 'durable', type: 'decision', body: { decision_id: 'kept' } })
      await ledger.close()
      await first.close()

      const again = await openDatabase(options)
      try {
        const reopened = createLedger(again.db)
        expect(await reopened.head('durable')).toEqual({ chain: 'durable', seq: 1, hash: entry.hash })
        expect(await reopened.findByBodyField('decision_id', 'kept')).toEqual([entry])
      } finally {
        await again.close()
      }
    } finally {
      await backend.dispose()
    }
  })
})

describe('openDatabase errors', () => {
  it.each(['not a url', 'mysql://x@localhost/db', 'postgres://nobody@127.0.0.1:1/none'])(
    'rejects %s with LEDGER_UNAVAILABLE',
    async (databaseUrl) => {
      await expect(openDatabase({ databaseUrl })).rejects.toThrowWithCode('LEDGER_UNAVAILABLE')
    },
  )
})

describe('migrateToLatest errors', () => {
  it('names a missing migrations folder with LEDGER_MIGRATION_FAILED', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'arbiter-nomig-'))
    const handle = await openDatabase({ dataDir: dir })
    try {
      const provider = new ArbiterMigrationProvider({ dir: join(dir, 'missing'), ext: '.ts' })
      await expect(migrateToLatest(handle.db, provider)).rejects.toThrowWithCode('LEDGER_MIGRATION_FAILED')
    } finally {
      await handle.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('the embedded database lock', () => {
  it('refuses a second process on the same data directory until the first closes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'arbiter-lock-'))
    const migrate = () => runCliProcess('migrate', '--data-dir', dir)
    try {
      const first = await openDatabase({ dataDir: dir })
      const blocked = migrate()
      expect(blocked.status).toBe(1)
      expect(blocked.stderr).toMatch(new RegExp(`in use by process ${process.pid}.*\\[LEDGER_UNAVAILABLE\\]`))
      await first.close()
      expect(migrate().status).toBe(0)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('takes over a lock left by a process that no longer exists', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'arbiter-lock-'))
    try {
      // A pid far above pid_max on Linux: no such process.
      writeFileSync(join(dir, 'pglite.lock'), '99999999\n')
      const handle = await openDatabase({ dataDir: dir })
      await handle.close()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
