import { type Kysely, sql } from 'kysely'
import { z } from 'zod'
import { type Clock, sha256Hex, systemClock, toRfc3339Millis } from '../shared/index.js'
import { LedgerError, toWriteError } from './errors.js'
import type { LedgerDatabase } from './schema.js'

/** One archived policy bundle: the tar.gz bytes under their SHA-256, with what its manifest says. */
export interface ArchivedBundle {
  /** Lowercase hex SHA-256 of `bytes` (checked on every read: the database is not trusted). */
  readonly sha256: string
  readonly revision: string
  /** The bundle's `/.manifest`, as parsed when it was loaded. */
  readonly manifest: Record<string, unknown>
  readonly bytes: Uint8Array
  readonly size: number
  /** When this database first stored it (RFC 3339). */
  readonly archivedAt: string
}

/** An archived bundle without its bytes: what listings and the API's metadata route show. */
export type ArchivedBundleInfo = Omit<ArchivedBundle, 'bytes'>

/** What the loader hands the archive: the bytes it read and the manifest it parsed from them. */
export interface BundleToArchive {
  readonly sha256: string
  readonly revision: string
  readonly manifest: Record<string, unknown>
  readonly bytes: Uint8Array
}

/** The append-only store of every policy bundle ever loaded (table `policy_bundles`, migration 0104). */
export interface BundleArchive {
  /**
   * Stores the bundle unless a bundle with its SHA-256 is already there (then nothing changes:
   * content-addressed, so the same key always means the same bytes). Resolves once committed.
   */
  archive(bundle: BundleToArchive): Promise<ArchivedBundleInfo>
  /** The bundle with this SHA-256, or null. */
  get(sha256: string): Promise<ArchivedBundle | null>
  /** The newest archived bundle with this `.manifest` revision, or null. */
  getByRevision(revision: string): Promise<ArchivedBundle | null>
  /** Every archived bundle without bytes, newest first. */
  list(): Promise<ArchivedBundleInfo[]>
}

export const SHA256_PATTERN = /^[0-9a-f]{64}$/

// Rows come back from a database we do not trust: parsed, and the bytes hashed again.
const rowSchema = z.object({
  sha256: z.string().regex(SHA256_PATTERN),
  revision: z.string().min(1),
  manifest: z.union([z.string(), z.record(z.string(), z.unknown())]),
  size: z.coerce.number().int().nonnegative(),
  archived_at: z.string(),
})

function toInfo(raw: unknown): ArchivedBundleInfo {
  const parsed = rowSchema.safeParse(raw)
  if (!parsed.success)
    throw new LedgerError('LEDGER_ROW_INVALID', 'an archived bundle row does not match migration 0104')
  const row = parsed.data
  let manifest = row.manifest
  if (typeof manifest === 'string') {
    try {
      manifest = z.record(z.string(), z.unknown()).parse(JSON.parse(manifest))
    } catch (error) {
      throw new LedgerError('LEDGER_ROW_INVALID', `archived bundle ${row.sha256} has a malformed manifest`, {
        cause: error,
      })
    }
  }
  return { sha256: row.sha256, revision: row.revision, manifest, size: row.size, archivedAt: row.archived_at }
}

function toBundle(raw: unknown): ArchivedBundle {
  const info = toInfo(raw)
  const bytes = (raw as { bytes?: unknown }).bytes
  if (!(bytes instanceof Uint8Array))
    throw new LedgerError('LEDGER_ROW_INVALID', `archived bundle ${info.sha256} has no bytes`)
  const actual = sha256Hex(bytes)
  if (actual !== info.sha256)
    throw new LedgerError(
      'LEDGER_ROW_INVALID',
      `archived bundle bytes do not match their key: expected ${info.sha256}, got ${actual}`,
    )
  return { ...info, bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) }
}

const infoColumns = [
  'sha256',
  'revision',
  sql<string>`manifest::text`.as('manifest'),
  'size',
  'archived_at',
] as const

/**
 * Creates the bundle archive over a migrated database (PostgreSQL or PGlite).
 *
 * @throws {LedgerError} from `archive`: LEDGER_BODY_INVALID when `sha256` is not the hash of `bytes`,
 *   LEDGER_UNAVAILABLE / LEDGER_WRITE_FAILED when the database refuses; from reads: LEDGER_ROW_INVALID
 *   when a stored row is malformed or its bytes no longer hash to its key.
 * @example
 * const archive = createBundleArchive(handle.db)
 * await archive.archive({ sha256, revision, manifest, bytes })
 * const bundle = await archive.get(sha256) // bytes re-hashed on the way out
 */
export function createBundleArchive(
  db: Kysely<LedgerDatabase>,
  options: { readonly clock?: Clock } = {},
): BundleArchive {
  const clock = options.clock ?? systemClock
  const select = () => db.selectFrom('policy_bundles').select([...infoColumns, 'bytes'])
  return {
    async archive(bundle) {
      const actual = sha256Hex(bundle.bytes)
      if (actual !== bundle.sha256)
        throw new LedgerError(
          'LEDGER_BODY_INVALID',
          `bundle sha256 mismatch: expected ${bundle.sha256}, got ${actual}`,
        )
      try {
        await db
          .insertInto('policy_bundles')
          .values({
            sha256: bundle.sha256,
            revision: bundle.revision,
            manifest: JSON.stringify(bundle.manifest),
            bytes: Buffer.from(bundle.bytes.buffer, bundle.bytes.byteOffset, bundle.bytes.byteLength),
            size: bundle.bytes.byteLength,
            archived_at: toRfc3339Millis(clock.now()),
          })
          // Content-addressed: a second load of the same bytes (another instance, a restart) adds nothing.
          .onConflict((c) => c.column('sha256').doNothing())
          .execute()
        const row = await db
          .selectFrom('policy_bundles')
          .select(infoColumns)
          .where('sha256', '=', bundle.sha256)
          .executeTakeFirstOrThrow()
        return toInfo(row)
      } catch (error) {
        throw toWriteError(error, `archiving bundle ${bundle.sha256}`)
      }
    },
    async get(sha256) {
      if (!SHA256_PATTERN.test(sha256)) return null
      const row = await select().where('sha256', '=', sha256).executeTakeFirst()
      return row ? toBundle(row) : null
    },
    async getByRevision(revision) {
      const row = await select()
        .where('revision', '=', revision)
        .orderBy('archived_at', 'desc')
        .orderBy('sha256')
        .limit(1)
        .executeTakeFirst()
      return row ? toBundle(row) : null
    },
    async list() {
      const rows = await db
        .selectFrom('policy_bundles')
        .select(infoColumns)
        .orderBy('archived_at', 'desc')
        .orderBy('sha256')
        .execute()
      return rows.map(toInfo)
    },
  }
}
