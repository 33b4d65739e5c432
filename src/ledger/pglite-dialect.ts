import { closeSync, fdatasyncSync, openSync } from 'node:fs'
import { join } from 'node:path'
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  PGliteDialect,
  type PGliteDialectConfig,
  type QueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from 'kysely'

/**
 * Kysely's PGlite driver hands every caller the one PGlite connection, and its transaction state lives
 * on that connection: two overlapping `db.transaction()` calls (two chains group-committing at once)
 * would run inside each other. This driver serialises connection use with a FIFO mutex, so each
 * transaction owns the instance until it commits, and it makes every commit durable before it
 * resolves: PGlite runs postgres with `-F` and its Node filesystem ignores fsync, so committed WAL
 * sits in the OS page cache. After each commit we fdatasync the current (and, after a segment switch,
 * the previous) WAL segment ourselves. A statement run outside a transaction commits on its own, so
 * unless it is a plain SELECT it is flushed the same way: as on PostgreSQL with `synchronous_commit`,
 * every write that resolves is durable, in a transaction or not.
 *
 * @internal
 */
export class DurablePGliteDialect extends PGliteDialect {
  constructor(
    config: PGliteDialectConfig,
    private readonly dataDir: string,
  ) {
    super(config)
  }

  override createDriver(): Driver {
    return new DurablePGliteDriver(super.createDriver(), this.dataDir)
  }
}

const innerOf = (connection: DatabaseConnection): DatabaseConnection =>
  connection instanceof DurableConnection ? connection.inner : connection

class Mutex {
  private tail: Promise<void> = Promise.resolve()
  async lock(): Promise<() => void> {
    let release!: () => void
    const next = new Promise<void>((resolve) => {
      release = resolve
    })
    const previous = this.tail
    this.tail = previous.then(() => next)
    await previous
    return release
  }
}

/** The one PGlite connection as this driver hands it out: it knows whether a transaction is open. */
class DurableConnection implements DatabaseConnection {
  inTransaction = false

  constructor(
    readonly inner: DatabaseConnection,
    private readonly flushWal: (connection: DatabaseConnection) => Promise<void>,
  ) {}

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const result = await this.inner.executeQuery<R>(compiledQuery)
    // Outside a transaction the statement has committed by now: make it durable before it resolves.
    if (!this.inTransaction && compiledQuery.query.kind !== 'SelectQueryNode') await this.flushWal(this.inner)
    return result
  }

  // PGlite cannot stream; Kysely's own connection says so.
  streamQuery<R>(compiledQuery: CompiledQuery, chunkSize: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(compiledQuery, chunkSize)
  }
}

class DurablePGliteDriver implements Driver {
  private readonly mutex = new Mutex()
  private readonly releases = new Map<DatabaseConnection, () => void>()
  private wal: { name: string; fd: number } | null = null

  constructor(
    private readonly inner: Driver,
    private readonly dataDir: string,
  ) {}

  init(): Promise<void> {
    return this.inner.init()
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const release = await this.mutex.lock()
    const connection = new DurableConnection(await this.inner.acquireConnection(), (c) => this.flushWal(c))
    this.releases.set(connection, release)
    return connection
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    await this.inner.releaseConnection(innerOf(connection))
    const release = this.releases.get(connection)
    this.releases.delete(connection)
    release?.()
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    await this.inner.beginTransaction(innerOf(connection), settings)
    ;(connection as DurableConnection).inTransaction = true
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    ;(connection as DurableConnection).inTransaction = false
    await this.inner.commitTransaction(innerOf(connection))
    await this.flushWal(innerOf(connection))
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    ;(connection as DurableConnection).inTransaction = false
    await this.inner.rollbackTransaction(innerOf(connection))
  }

  savepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']) {
    return this.inner.savepoint!(innerOf(connection), name, compile)
  }

  rollbackToSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']) {
    return this.inner.rollbackToSavepoint!(innerOf(connection), name, compile)
  }

  releaseSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']) {
    return this.inner.releaseSavepoint!(innerOf(connection), name, compile)
  }

  async destroy(): Promise<void> {
    if (this.wal) closeSync(this.wal.fd)
    this.wal = null
    await this.inner.destroy()
  }

  /** fdatasync the WAL segment holding the commit record just written (PGlite itself never fsyncs). */
  private async flushWal(connection: DatabaseConnection): Promise<void> {
    const result = await connection.executeQuery<{ name: string }>(
      CompiledQuery.raw('select pg_walfile_name(pg_current_wal_insert_lsn()) as name'),
    )
    const name = result.rows[0]?.name
    if (!name || !/^[0-9A-F]{24}$/.test(name)) return
    if (this.wal && this.wal.name !== name) {
      // The commit may straddle a segment switch: flush the old segment before letting it go.
      fdatasyncSync(this.wal.fd)
      closeSync(this.wal.fd)
      this.wal = null
    }
    this.wal ??= { name, fd: openSync(join(this.dataDir, 'pg_wal', name), 'r+') }
    fdatasyncSync(this.wal.fd)
  }
}
