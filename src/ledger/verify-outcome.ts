import { checkCheckpointSignature, type StoredCheckpoint, type TrustedKey } from './checkpoint.js'
import { checkpointRowSchema } from './row.js'
import type { ChainFailure, ChainReport, VerifyEntriesOptions } from './verify.js'

// What both verifiers (the in-thread `verifyEntries` and the parallel PostgreSQL one) share around
// the entry loop: the checkpoints split into valid and bad, and the checks made once the entries end.

/** A chain's checkpoints after their signatures were checked. @internal */
export interface SplitCheckpoints {
  readonly valid: Map<number, StoredCheckpoint[]>
  readonly maxSeq: number
  readonly count: number
  /** The valid checkpoint with the newest `ts`. */
  readonly newest: StoredCheckpoint | null
  readonly bad: ChainFailure | null
}

/**
 * Parses untrusted checkpoint rows of `chain` and checks their signatures (against `trusted` when
 * given); the lowest-seq bad one is kept as a `bad_signature` failure.
 *
 * @internal
 * @example
 * const cps = splitCheckpoints('default', rows, trustedKeys)
 */
export function splitCheckpoints(
  chain: string,
  raw: Iterable<unknown>,
  trusted: readonly TrustedKey[] | undefined,
): SplitCheckpoints {
  const valid = new Map<number, StoredCheckpoint[]>()
  let maxSeq = 0
  let count = 0
  let newest: StoredCheckpoint | null = null
  let bad: ChainFailure | null = null
  for (const item of raw) {
    const parsed = checkpointRowSchema.safeParse(item)
    if (!parsed.success) {
      const seq = Number((item as { seq?: unknown })?.seq) || 0
      const chainOf = (item as { chain?: unknown })?.chain
      if (chainOf !== chain) continue
      if (!bad || seq < bad.seq)
        bad = { seq, kind: 'bad_signature', message: `malformed checkpoint at seq ${seq}` }
      continue
    }
    const cp = parsed.data
    if (cp.chain !== chain) continue
    const problem =
      trusted?.length === 0
        ? `checkpoint at seq ${cp.seq} is signed by untrusted key ${cp.key_id} (no key is trusted)`
        : checkCheckpointSignature(cp, trusted)
    if (problem) {
      if (!bad || cp.seq < bad.seq) bad = { seq: cp.seq, kind: 'bad_signature', message: problem }
      continue
    }
    count += 1
    maxSeq = Math.max(maxSeq, cp.seq)
    if (!newest || timeOf(cp.ts) > timeOf(newest.ts)) newest = cp
    const list = valid.get(cp.seq) ?? []
    list.push(cp)
    valid.set(cp.seq, list)
  }
  return { valid, maxSeq, count, newest, bad }
}

// Signed checkpoint times are RFC 3339; an unparseable one (signed, so written by the key holder) is old.
function timeOf(ts: string): number {
  const t = Date.parse(ts)
  return Number.isNaN(t) ? Number.NEGATIVE_INFINITY : t
}

/** `stale_checkpoint` when the chain's newest signature is older than the allowed age (see options). */
function staleness(
  cps: SplitCheckpoints,
  firstTs: string | null,
  freshness: NonNullable<VerifyEntriesOptions['freshness']>,
): ChainFailure | null {
  if (firstTs === null || freshness.maxAgeMs <= 0) return null
  const cutoff = freshness.now.getTime() - freshness.maxAgeMs
  const now = freshness.now.toISOString()
  if (cps.newest) {
    if (timeOf(cps.newest.ts) >= cutoff) return null
    return {
      seq: cps.newest.seq,
      kind: 'stale_checkpoint',
      message: `the newest signed checkpoint (seq ${cps.newest.seq}, ${cps.newest.ts}) is older than ${freshness.maxAgeMs} ms at ${now}`,
    }
  }
  if (timeOf(firstTs) >= cutoff) return null
  return {
    seq: 1,
    kind: 'stale_checkpoint',
    message: `no signed checkpoint, and entry 1 (${firstTs}) is older than ${freshness.maxAgeMs} ms at ${now}`,
  }
}

/** Where the entry loop of a verifier ended. @internal */
export interface EntryTally {
  readonly chain: string
  readonly checkpoints: SplitCheckpoints
  /** Entries that passed every check. */
  readonly count: number
  /** The last of them, or null. */
  readonly head: { readonly seq: number; readonly hash: string } | null
  /** The first failure the loop met, or null. */
  readonly failure: ChainFailure | null
  /** `ts` of entry 1 (for the freshness check), or null. */
  readonly firstTs: string | null
  readonly expected?: boolean
  readonly freshness?: VerifyEntriesOptions['freshness']
}

/**
 * The report of a chain once its entries are read: a missing chain, a checkpoint past the end and a
 * stale newest checkpoint are found here; a bad checkpoint signature wins over a later row failure.
 *
 * @internal
 * @example
 * const report = concludeChain({ chain, checkpoints: cps, count, head, failure, firstTs })
 */
export function concludeChain(t: EntryTally): ChainReport {
  const cps = t.checkpoints
  let failure = t.failure
  if (!failure && t.count === 0 && (t.expected || cps.count > 0))
    failure = {
      seq: 1,
      kind: 'missing_chain',
      message: `chain ${t.chain} has no entries in the database, but ${cps.count > 0 ? `a signed checkpoint names entry ${cps.maxSeq}` : 'it is expected to exist'}`,
    }
  if (!failure && cps.maxSeq > t.count)
    failure = {
      seq: t.count + 1,
      kind: 'truncated',
      message: `a signed checkpoint names entry ${cps.maxSeq}; the chain ends at ${t.count}`,
    }
  if (!failure && t.freshness) failure = staleness(cps, t.firstTs, t.freshness)
  const first = cps.bad && (!failure || cps.bad.seq < failure.seq) ? cps.bad : failure
  return {
    chain: t.chain,
    ok: first === null,
    entries: t.count,
    head: t.head,
    checkpoints: cps.count,
    failure: first,
  }
}
