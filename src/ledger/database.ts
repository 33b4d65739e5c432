import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import { LedgerError } from './errors.js'
import { DurablePGliteDialect } from './pglite-dialect.js'
import type { LedgerDatabase } from './schema.js'

/**
 * The ledger's view of the shared database. Other parts that keep tables in the same database (the
 * server's API keys) add theirs with `db.withTables<TheirTables>()` in the composition root.
 */
export type ArbiterDatabase = LedgerDatabase

/** An open database: PostgreSQL through `pg`, or embedded PGlite, both behind the same Kysely API. */
export interface DatabaseHandle {
  readonly db: Kysely<ArbiterDatabase>
  readonly kind: 'postgres' | 'pglite'
  /** Where PGlite keeps its files (absent for PostgreSQL). */
  readonly dataDir?: string
  close(): Promise<void>
}

export interface OpenDatabaseOptions {
  /** `postgres://…`; when absent, the embedded PGlite database is used. */
  readonly databaseUrl?: string
  /** Data directory of the embedded database (its files go to `<dataDir>/pglite`). Default `./.arbiter`. */
  readonly dataDir?: string
  /** Pool size for PostgreSQL (default 10). */
  readonly poolSize?: number
  /** Receives pool-level errors (a dropped idle connection); they never crash the process. */
  readonly onPoolError?: (error: Error) => void
}

/** The default data directory of the embedded database. */
export const DEFAULT_DATA_DIR = '.arbiter'

// The pool behind each PostgreSQL handle's Kysely instance, for the few readers that speak the
// protocol directly (verify's binary COPY); PGlite handles have none.
const pools = new WeakMap<object, pg.Pool>()

/**
 * The `pg` pool of a database opened by {@link openDatabase} on PostgreSQL; undefined for PGlite or
 * a Kysely instance made elsewhere.
 *
 * @internal
 * @example
 * const pool = postgresPoolOf(handle.db) // pg.Pool | undefined
 */
export function postgresPoolOf(db: object): pg.Pool | undefined {
  return pools.get(db)
}

// PostgreSQL types we read as text so nothing is lost: int8 (20) stays a decimal string.
const INT8_OID = 20

/**
 * Opens the ledger database: PostgreSQL when `databaseUrl` is given, otherwise embedded PGlite under
 * `dataDir`. Config is passed in; environment variables are resolved by the caller (the CLI).
 *
 * @throws {LedgerError} LEDGER_UNAVAILABLE when the database cannot be opened.
 * @example
 * const { db, close } = await openDatabase({ dataDir: './.arbiter' })
 * await migrateToLatest(db)
 * await close()
 */
export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<DatabaseHandle> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl, options)
  return openPglite(resolve(options.dataDir ?? DEFAULT_DATA_DIR))
}

async function openPostgres(databaseUrl: string, options: OpenDatabaseOptions): Promise<DatabaseHandle> {
  let url: URL
  try {
    url = new URL(databaseUrl)
  } catch (error) {
    throw new LedgerError('LEDGER_UNAVAILABLE', 'database url is not a valid url', { cause: error })
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:')
    throw new LedgerError('LEDGER_UNAVAILABLE', `database url must be postgres://…, got ${url.protocol}`)
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.poolSize ?? 10,
    types: {
      getTypeParser: (oid, format) => (oid === INT8_OID ? String : pg.types.getTypeParser(oid, format)),
    },
  })
  // A backend terminated while idle makes the pool emit 'error'; without a listener that kills the process.
  pool.on('error', (error) => options.onPoolError?.(error))
  // Same for a connection that dies while checked out between two statements: the next statement fails
  // (and the append is rejected); the event itself must not become an uncaught exception.
  pool.on('connect', (client) => client.on('error', (error) => options.onPoolError?.(error)))
  const db = new Kysely<ArbiterDatabase>({ dialect: new PostgresDialect({ pool }) })
  try {
    await db.selectNoFrom((eb) => eb.lit(1).as('one')).execute()
  } catch (error) {
    await db.destroy().catch(() => undefined)
    throw new LedgerError('LEDGER_UNAVAILABLE', `cannot connect to postgresql: ${describe(error)}`, {
      cause: error,
    })
  }
  pools.set(db, pool)
  return { db, kind: 'postgres', close: () => db.destroy() }
}

/**
 * PGlite is single-process: two processes on one data directory would corrupt it. A pid lock file
 * turns that into a clear error across processes (a lock left by a dead process is taken over).
 */
function lockDataDir(pgDir: string): () => void {
  const path = `${pgDir}.lock`
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: 'wx' })
      return () => {
        // Only our own lock: after close, another process may already hold a new one.
        if (existsSync(path) && readFileSync(path, 'utf8').trim() === String(process.pid))
          rmSync(path, { force: true })
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const holder = Number.parseInt(readFileSync(path, 'utf8'), 10)
      if (Number.isInteger(holder) && holder !== process.pid && isAlive(holder))
        throw new LedgerError(
          'LEDGER_UNAVAILABLE',
          `embedded database ${pgDir} is in use by process ${holder}; stop it first or use PostgreSQL (DATABASE_URL)`,
        )
      // Same process: the caller owns both handles (tests open a second one to close it); not our call.
      if (holder === process.pid) return () => undefined
      rmSync(path, { force: true })
    }
  }
  throw new LedgerError('LEDGER_UNAVAILABLE', `cannot lock embedded database ${pgDir}`)
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function openPglite(dataDir: string): Promise<DatabaseHandle> {
  const pgDir = resolve(dataDir, 'pglite')
  mkdirSync(dataDir, { recursive: true })
  const unlock = lockDataDir(pgDir)
  let instance: PGlite
  try {
    // relaxedDurability stays off (the default): queries resolve only after PGlite's own write-out.
    instance = await PGlite.create({ dataDir: pgDir, relaxedDurability: false })
  } catch (error) {
    throw new LedgerError(
      'LEDGER_UNAVAILABLE',
      `cannot open embedded database at ${pgDir}: ${describe(error)}`,
      {
        cause: error,
      },
    )
  }
  const db = new Kysely<ArbiterDatabase>({ dialect: new DurablePGliteDialect({ pglite: instance }, pgDir) })
  return {
    db,
    kind: 'pglite',
    dataDir,
    close: async () => {
      try {
        await db.destroy()
      } finally {
        unlock()
      }
    },
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
