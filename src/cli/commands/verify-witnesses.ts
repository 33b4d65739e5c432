import type { Kysely } from 'kysely'
import {
  ed25519NoteVerifier,
  fetchWitnessedNotes,
  type LedgerDatabase,
  type LedgerEntry,
  listCosignatures,
  type NoteVerifier,
  parseCheckpoint,
  parseNote,
  type TrustedKey,
  verifyWitnessedChain,
  type WitnessCheck,
  type WitnessRef,
  witnessedOrigins,
} from '../../ledger/index.js'

/** What `arbiter verify --witness` found for one chain. */
export interface ChainWitnessReport extends WitnessCheck {
  readonly chain: string
  readonly origin: string | null
}

/**
 * The witness half of `arbiter verify`: asks the witnesses with a URL what they cosigned (a chain they
 * know that the database lacks was deleted), then checks every chain against the cosigned checkpoints
 * (stored ones and the witnesses' own) and the quorum. Returns the chains to add and a report per chain.
 *
 * @throws {WitnessError} WITNESS_UNREACHABLE when a witness with a URL cannot be asked (fail closed).
 * @example
 * const { reports } = await verifyAgainstWitnesses({ db, entries, chains, sizes, trustedKeys, witnesses, quorum })
 */
export async function verifyAgainstWitnesses(args: {
  readonly db: Kysely<LedgerDatabase>
  readonly entries: (chain: string) => AsyncIterable<LedgerEntry>
  readonly chains: readonly string[]
  readonly sizes: ReadonlyMap<string, number>
  readonly trustedKeys: readonly TrustedKey[]
  readonly witnesses: readonly WitnessRef[]
  readonly quorum: number
}): Promise<ChainWitnessReport[]> {
  const seen = await fetchWitnessedNotes(args.witnesses)
  const logVerifiers = (origin: string): NoteVerifier[] =>
    args.trustedKeys.map((k) => ed25519NoteVerifier(origin, k.key))
  const ours = witnessedOrigins(seen, logVerifiers)
  const chainOf = (origin: string) => origin.slice(origin.lastIndexOf('/') + 1)
  const chains = [...new Set([...args.chains, ...ours.map(chainOf)])].sort()
  const reports: ChainWitnessReport[] = []
  for (const chain of chains) {
    const stored = await listCosignatures(args.db, chain)
    const storedOrigin = stored[0] ? parseCheckpoint(parseNote(stored[0].note).text).origin : null
    const origin = storedOrigin ?? ours.find((o) => chainOf(o) === chain) ?? null
    if (origin === null) {
      reports.push({
        chain,
        origin,
        cosigners: [],
        witnessedSize: 0,
        failure: { kind: 'witness_quorum', message: 'no witness has cosigned a checkpoint of this chain' },
      })
      continue
    }
    // The newest checkpoint the log signed as a note: the one the quorum must cover.
    const latest = await args.db
      .selectFrom('ledger_checkpoints')
      .select('note')
      .where('chain', '=', chain)
      .where('note', 'is not', null)
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst()
    const check = await verifyWitnessedChain({
      db: args.db,
      entries: args.entries,
      size: args.sizes.get(chain) ?? 0,
      chain,
      origin,
      log: logVerifiers(origin),
      witnesses: args.witnesses.map((w) => w.key),
      quorum: args.quorum,
      seen: seen.get(origin) ?? [],
      ...(typeof latest?.note === 'string' ? { latest: latest.note } : {}),
    })
    reports.push({ chain, origin, ...check })
  }
  return reports
}
