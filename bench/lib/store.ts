// The harness's door to Arbiter's ledger (front door only). Kept apart from the guard wiring so the
// verifier worker loads nothing but the ledger and its memory is the verifier's own.
import type { Kysely } from 'kysely'
import { z } from 'zod'
import {
  createLedger,
  type Ledger,
  migrateToLatest,
  openDatabase,
  type VerifiableLedger,
  verifyChain,
} from '../../src/ledger/index.js'

/** Where a store lives; serialisable so worker processes can open the same one. */
export type StoreLocation =
  | { readonly kind: 'postgres'; readonly databaseUrl: string; readonly poolSize: number }
  | { readonly kind: 'pglite'; readonly dataDir: string }

const locationSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('postgres'),
    databaseUrl: z.string().min(1),
    poolSize: z.number().int().positive(),
  }),
  z.object({ kind: z.literal('pglite'), dataDir: z.string().min(1) }),
])

/** Parses a location handed to a worker on its command line. */
export function parseLocation(text: string | undefined): StoreLocation {
  return locationSchema.parse(JSON.parse(text ?? 'null'))
}

/** An opened, migrated database with Arbiter's ledger on it. */
export interface BenchStore {
  readonly kind: StoreLocation['kind']
  // biome-ignore lint/suspicious/noExplicitAny: the baselines write their own tables next to Arbiter's
  readonly db: Kysely<any>
  readonly ledger: Ledger & VerifiableLedger
  close(): Promise<void>
}

/** Opens (and by default migrates) the database at `location` and creates Arbiter's ledger on it. */
export async function openStore(
  location: StoreLocation,
  options: { migrate?: boolean } = {},
): Promise<BenchStore> {
  const handle = await openDatabase(
    location.kind === 'postgres'
      ? {
          databaseUrl: location.databaseUrl,
          poolSize: location.poolSize,
          onPoolError: (error: Error) => process.stderr.write(`[bench] pool error: ${error.message}\n`),
        }
      : { dataDir: location.dataDir },
  )
  if (options.migrate !== false) await migrateToLatest(handle.db)
  const ledger = createLedger(handle.db)
  let closing: Promise<void> | undefined
  return {
    kind: location.kind,
    // biome-ignore lint/suspicious/noExplicitAny: see BenchStore.db
    db: handle.db as Kysely<any>,
    ledger,
    // Idempotent: the verify section hands the database to a child process before the run ends.
    close() {
      closing ??= ledger.close().then(() => handle.close())
      return closing
    },
  }
}

/** Runs Arbiter's verifier over a whole chain. */
export async function verifyStoredChain(
  store: BenchStore,
  chain: string,
): Promise<{ valid: boolean; entries: number; detail?: string }> {
  const report = await verifyChain(store.ledger, chain)
  return {
    valid: report.ok,
    entries: report.entries,
    ...(report.failure
      ? { detail: `${report.failure.kind} at seq ${report.failure.seq}: ${report.failure.message}` }
      : {}),
  }
}
