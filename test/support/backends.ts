import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { type DatabaseHandle, migrateToLatest, openDatabase } from '../../src/ledger/index.js'

/** Where a test's database lives: a throwaway PostgreSQL database, or a throwaway PGlite directory. */
export interface TestBackend {
  readonly name: 'postgres' | 'pglite'
  /** Set for postgres: a fresh database nobody else uses. */
  readonly databaseUrl?: string
  /** Set for pglite: a fresh data directory. */
  readonly dataDir?: string
  dispose(): Promise<void>
}

/** The server URL tests use; `ARBITER_TEST_DATABASE_URL=skip` runs the PGlite half only. */
export const testServerUrl =
  process.env.ARBITER_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
export const postgresEnabled = testServerUrl !== 'skip'

/** Creates a new, empty PostgreSQL database on the test server and returns its URL. */
export async function createPostgresBackend(): Promise<TestBackend> {
  const name = `arbiter_t_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: testServerUrl })
  await admin.connect()
  try {
    // `name` is generated here from hex digits only, never from input.
    await admin.query(`CREATE DATABASE ${name}`)
  } finally {
    await admin.end()
  }
  const url = new URL(testServerUrl)
  url.pathname = `/${name}`
  return {
    name: 'postgres',
    databaseUrl: url.toString(),
    async dispose() {
      const client = new pg.Client({ connectionString: testServerUrl })
      await client.connect()
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      } finally {
        await client.end()
      }
    },
  }
}

/** Creates an empty PGlite data directory under the OS temp dir. */
export async function createPgliteBackend(): Promise<TestBackend> {
  const dataDir = mkdtempSync(join(tmpdir(), 'arbiter-pglite-'))
  return {
    name: 'pglite',
    dataDir,
    async dispose() {
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** The backends every store-level suite runs against: PGlite always, PostgreSQL unless skipped. */
export const backendFactories: ReadonlyArray<readonly [TestBackend['name'], () => Promise<TestBackend>]> = [
  ['pglite', createPgliteBackend],
  ...(postgresEnabled ? ([['postgres', createPostgresBackend]] as const) : []),
]

/**
 * Opens `backend`'s database (PostgreSQL URL or PGlite directory) and applies the migrations.
 *
 * @example
 * const handle = await openMigratedDatabase(backend)
 */
export async function openMigratedDatabase(backend: TestBackend): Promise<DatabaseHandle> {
  const handle = await openDatabase(
    backend.databaseUrl ? { databaseUrl: backend.databaseUrl } : { dataDir: backend.dataDir! },
  )
  await migrateToLatest(handle.db)
  return handle
}
