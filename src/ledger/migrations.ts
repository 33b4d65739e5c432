import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { type Kysely, sql } from 'kysely'
import { type Migration, type MigrationProvider, type MigrationResultSet, Migrator } from 'kysely/migration'
import { z } from 'zod'
import { LedgerError } from './errors.js'
import type { LedgerDatabase } from './schema.js'

const here = fileURLToPath(new URL('.', import.meta.url))
// From source (vitest, tsx) this file is src/ledger/migrations.ts and the modules are the .ts files in
// <repo>/migrations; from the build it is dist/ledger/migrations.js and they are compiled to
// dist/migrations/*.js (tsconfig.migrations.json).
const runningFromSource = import.meta.url.endsWith('.ts')

/** Where the migration modules of this installation live, and their file extension. @internal */
export function migrationsLocation(): { dir: string; ext: '.ts' | '.js' } {
  return runningFromSource
    ? { dir: join(here, '..', '..', 'migrations'), ext: '.ts' }
    : { dir: join(here, '..', 'migrations'), ext: '.js' }
}

const moduleSchema = z.object({
  up: z.custom<Migration['up']>((value) => typeof value === 'function', 'up must be a function'),
  down: z.custom<Migration['down']>((value) => typeof value === 'function').optional(),
})

/**
 * Loads `NNNN_name` migration modules (each exporting `up(db)` and optionally `down(db)`), in name order.
 *
 * @internal
 */
export class ArbiterMigrationProvider implements MigrationProvider {
  constructor(private readonly location = migrationsLocation()) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    const { dir, ext } = this.location
    if (!existsSync(dir))
      throw new LedgerError(
        'LEDGER_MIGRATION_FAILED',
        `migrations not found at ${dir} (run \`npm run setup\` to compile them)`,
      )
    const names = readdirSync(dir)
      .filter((file) => /^\d{4}_[a-z0-9_]+\.(ts|js)$/.test(file) && file.endsWith(ext))
      .sort()
    const migrations: Record<string, Migration> = {}
    for (const file of names) {
      const name = file.slice(0, -ext.length)
      const loaded: unknown = await import(pathToFileURL(join(dir, file)).href)
      const parsed = moduleSchema.safeParse(loaded)
      if (!parsed.success)
        throw new LedgerError('LEDGER_MIGRATION_FAILED', `migration ${name} does not export up(db)`)
      migrations[name] = parsed.data.down
        ? { up: parsed.data.up, down: parsed.data.down }
        : { up: parsed.data.up }
    }
    return migrations
  }
}

/**
 * Applies every pending migration (ledger tables, append-only triggers, roles, and other parts'
 * tables) with Kysely's Migrator; safe to call on every start and from several processes at once.
 *
 * @throws {LedgerError} LEDGER_MIGRATION_FAILED naming the migration that failed.
 * @example
 * const { db } = await openDatabase({})
 * const applied = await migrateToLatest(db) // ['0001_ledger_tables', …] on a new database
 */
export async function migrateToLatest(
  db: Kysely<LedgerDatabase>,
  provider: MigrationProvider = new ArbiterMigrationProvider(),
): Promise<string[]> {
  const migrator = new Migrator({ db, provider })
  let resultSet: MigrationResultSet
  try {
    resultSet = await migrator.migrateToLatest()
  } catch (error) {
    throw migrationError(error, undefined)
  }
  const failed = resultSet.results?.find((result) => result.status === 'Error')
  if (resultSet.error) throw migrationError(resultSet.error, failed?.migrationName)
  return (resultSet.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
}

function migrationError(error: unknown, name: string | undefined): LedgerError {
  if (error instanceof LedgerError) return error
  const message = error instanceof Error ? error.message : String(error)
  return new LedgerError(
    'LEDGER_MIGRATION_FAILED',
    `migration ${name ?? '(loading)'} failed: ${message.split('\n')[0]}`,
    { cause: error },
  )
}

/**
 * Fails with a clear message when the database has no ledger tables, so read-only commands (verify,
 * export, checkpoint) say "run `arbiter migrate`" instead of a raw "relation does not exist".
 *
 * @throws {LedgerError} LEDGER_NOT_MIGRATED
 * @example
 * await assertLedgerSchema(handle.db)
 */
export async function assertLedgerSchema(db: Kysely<LedgerDatabase>): Promise<void> {
  const { rows } = await sql<{
    found: string | null
  }>`select to_regclass('ledger_entries')::text as found`.execute(db)
  if (!rows[0]?.found)
    throw new LedgerError(
      'LEDGER_NOT_MIGRATED',
      'this database has no Arbiter ledger tables; run `arbiter migrate` (with the same database settings) first',
    )
}
