import type { Kysely } from 'kysely'
import { listCosignatures } from './cosignature-store.js'
import type { LedgerEntry } from './ledger.types.js'
import type { LedgerDatabase } from './schema.js'
import {
  entryLeafHash,
  MerkleFrontier,
  type NoteVerifier,
  openNote,
  parseCheckpoint,
  TlogError,
} from './tlog/index.js'
import {
  type ChainTree,
  type CosignerKey,
  checkWitnessed,
  type WitnessCheck,
  WitnessError,
  type WitnessedNote,
  type WitnessRef,
} from './witness/index.js'

/** Largest answer read from a witness's checkpoint list (it is not trusted either). */
const MAX_LIST_BYTES = 4 * 1024 * 1024

/**
 * Asks each witness with a URL what it cosigned last (`GET <url>/arbiter/v1/checkpoints`): the
 * notes, by origin. A witness that cannot be asked fails verification (fail closed).
 *
 * @throws {WitnessError} WITNESS_UNREACHABLE
 * @example
 * const seen = await fetchWitnessedNotes(refs)
 */
export async function fetchWitnessedNotes(
  refs: readonly WitnessRef[],
): Promise<Map<string, WitnessedNote[]>> {
  const byOrigin = new Map<string, WitnessedNote[]>()
  for (const ref of refs) {
    if (!ref.url) continue
    let parsed: unknown
    try {
      const res = await fetch(`${ref.url}/arbiter/v1/checkpoints`, { signal: AbortSignal.timeout(10_000) })
      const text = await res.text()
      if (res.status !== 200 || text.length > MAX_LIST_BYTES) throw new Error(`status ${res.status}`)
      parsed = JSON.parse(text)
    } catch (error) {
      throw new WitnessError(
        'WITNESS_UNREACHABLE',
        `cannot read what witness ${ref.key.name} cosigned: ${String(error)}`,
        {
          cause: error,
        },
      )
    }
    const logs = (parsed as { logs?: unknown }).logs
    if (!Array.isArray(logs))
      throw new WitnessError('WITNESS_UNREACHABLE', `witness ${ref.key.name} answered no logs list`)
    for (const log of logs as unknown[]) {
      const { origin, checkpoint } = (log ?? {}) as { origin?: unknown; checkpoint?: unknown }
      if (typeof origin !== 'string' || typeof checkpoint !== 'string') continue
      byOrigin.set(origin, [...(byOrigin.get(origin) ?? []), { note: checkpoint, source: ref.url }])
    }
  }
  return byOrigin
}

/**
 * Origins in `seen` whose checkpoint the log signed (under a pinned key): the log's chains as the
 * witnesses know them (origin `<deployment>/<chain>`); each chain must exist in the database.
 *
 * @example
 * const origins = witnessedOrigins(seen, (origin) => [verifierFor(origin)])
 */
export function witnessedOrigins(
  seen: ReadonlyMap<string, readonly WitnessedNote[]>,
  logVerifiers: (origin: string) => readonly NoteVerifier[],
): string[] {
  const origins: string[] = []
  for (const [origin, notes] of seen) {
    const ours = notes.some(({ note }) => {
      try {
        return parseCheckpoint(openNote(note, logVerifiers(origin)).text).origin === origin
      } catch (error) {
        if (error instanceof TlogError) return false
        throw error
      }
    })
    if (ours) origins.push(origin)
  }
  return origins
}

/** The chain's Merkle roots at the requested sizes, streamed from its entries in O(log n) memory. */
function chainTree(entries: () => AsyncIterable<LedgerEntry>, size: number): ChainTree {
  return {
    size,
    async rootsAt(sizes) {
      const wanted = new Set(sizes)
      const roots = new Map<number, Buffer>()
      const frontier = new MerkleFrontier()
      if (wanted.has(0)) roots.set(0, frontier.root())
      for await (const entry of entries()) {
        if (roots.size === wanted.size) break
        frontier.append(entryLeafHash(entry))
        if (wanted.has(frontier.size)) roots.set(frontier.size, frontier.root())
      }
      return roots
    },
  }
}

/**
 * Checks `chain` against its witnesses: the cosignatures stored with the log and, for witnesses with a
 * URL, what they say they cosigned (`seen`). See {@link checkWitnessed}.
 *
 * @example
 * const check = await verifyWitnessedChain({ db, ledger, chain, origin, log, witnesses, quorum: 1, seen })
 */
export async function verifyWitnessedChain(args: {
  readonly db: Kysely<LedgerDatabase>
  readonly entries: (chain: string) => AsyncIterable<LedgerEntry>
  readonly size: number
  readonly chain: string
  readonly origin: string
  readonly log: readonly NoteVerifier[]
  readonly witnesses: readonly CosignerKey[]
  readonly quorum: number
  readonly seen: readonly WitnessedNote[]
  readonly latest?: string
}): Promise<WitnessCheck> {
  const stored = (await listCosignatures(args.db, args.chain)).map((row) => ({
    note: `${row.note}${row.cosignature}\n`,
    source: 'database',
  }))
  return checkWitnessed({
    notes: [...stored, ...args.seen],
    origin: args.origin,
    log: args.log,
    witnesses: args.witnesses,
    quorum: args.quorum,
    tree: chainTree(() => args.entries(args.chain), args.size),
    ...(args.latest !== undefined ? { latest: args.latest } : {}),
  })
}
