import {
  type NoteVerifier,
  openNote,
  parseCheckpoint,
  parseNote,
  signatureLine,
  TlogError,
} from '../tlog/index.js'
import { type CosignerKey, verifyCosignatureLine } from './cosignature.js'

/** A checkpoint note somebody says a witness cosigned (from our table or the witness itself). */
export interface WitnessedNote {
  /** The signed note: text, the log's signature, cosignature lines. */
  readonly note: string
  /** Where it came from, for messages: `database` or the witness URL. */
  readonly source: string
}

/** Why witnessing failed for a chain. */
export type WitnessFailureKind = 'witness_inconsistent' | 'witness_truncated' | 'witness_quorum'

export interface WitnessFailure {
  readonly kind: WitnessFailureKind
  readonly message: string
}

/** The chain as the database holds it now: its size, and the Merkle roots of prefixes. */
export interface ChainTree {
  readonly size: number
  /** The roots of the first `n` leaves for each `n` (all <= size), recomputed from the entries. */
  rootsAt(sizes: readonly number[]): Promise<ReadonlyMap<number, Buffer>>
}

/** What the witnesses vouch for: per trusted witness, the checkpoints it validly cosigned. */
export interface WitnessCheck {
  readonly failure: WitnessFailure | null
  /** Distinct trusted witnesses with a valid cosignature on the latest checkpoint. */
  readonly cosigners: readonly string[]
  /** Largest witnessed tree size (0 when none). */
  readonly witnessedSize: number
}

interface Cosigned {
  readonly size: number
  readonly root: Buffer
  readonly witness: string
  readonly source: string
}

/** Valid (log-signed, witness-cosigned) checkpoints in `notes`; anything else is ignored. */
function cosignedCheckpoints(
  notes: readonly WitnessedNote[],
  origin: string,
  log: readonly NoteVerifier[],
  witnesses: readonly CosignerKey[],
): Cosigned[] {
  const out: Cosigned[] = []
  for (const { note, source } of notes) {
    let text: string
    let lines: string[]
    try {
      // Untrusted rows or responses: the log's signature must verify under a pinned key.
      const opened = openNote(note, log)
      text = opened.text
      lines = opened.signatures.map((sig) => signatureLine(sig).trimEnd())
    } catch (error) {
      if (error instanceof TlogError) continue
      throw error
    }
    const cp = parseCheckpoint(text)
    if (cp.origin !== origin) continue
    for (const w of witnesses)
      if (lines.some((line) => verifyCosignatureLine(text, line, w)))
        out.push({ size: cp.size, root: cp.root, witness: w.vkey, source })
  }
  return out
}

/**
 * Checks a chain against what trusted witnesses cosigned: every validly cosigned checkpoint must be a
 * prefix of the chain as stored (else the tail was cut, or history was rewritten and re-signed), and
 * the latest checkpoint (`latest`, the newest the log signed; else the largest witnessed) must carry
 * valid cosignatures from at least `quorum` distinct trusted witnesses.
 *
 * @example
 * const { failure } = await checkWitnessed({ notes, origin, log, witnesses, quorum: 2, tree, latest })
 */
export async function checkWitnessed(args: {
  readonly notes: readonly WitnessedNote[]
  readonly origin: string
  readonly log: readonly NoteVerifier[]
  readonly witnesses: readonly CosignerKey[]
  readonly quorum: number
  readonly tree: ChainTree
  /** The newest checkpoint the log signed, as stored (a note), if any. */
  readonly latest?: string
}): Promise<WitnessCheck> {
  const cosigned = cosignedCheckpoints(args.notes, args.origin, args.log, args.witnesses)
  const witnessedSize = cosigned.reduce((max, c) => Math.max(max, c.size), 0)
  const fail = (kind: WitnessFailureKind, message: string, cosigners: string[] = []): WitnessCheck => ({
    failure: { kind, message },
    cosigners,
    witnessedSize,
  })
  const sorted = [...cosigned].sort((a, b) => b.size - a.size)
  const beyond = sorted.find((c) => c.size > args.tree.size)
  if (beyond)
    return fail(
      'witness_truncated',
      `a witness cosigned ${beyond.size} entries (${beyond.source}); the chain holds ${args.tree.size}`,
    )
  const roots = await args.tree.rootsAt([...new Set(sorted.map((c) => c.size))])
  for (const c of sorted) {
    if (!roots.get(c.size)?.equals(c.root))
      return fail(
        'witness_inconsistent',
        `the first ${c.size} entries do not have the Merkle root a witness cosigned (${c.source}): history was rewritten`,
      )
  }
  let target: { size: number; root: Buffer } | null = null
  if (args.latest !== undefined) {
    try {
      target = parseCheckpoint(parseNote(args.latest).text)
    } catch (error) {
      if (!(error instanceof TlogError)) throw error
    }
  }
  target ??= cosigned.find((c) => c.size === witnessedSize) ?? null
  const cosigners = [
    ...new Set(
      cosigned
        .filter((c) => target && c.size === target.size && c.root.equals(target.root))
        .map((c) => c.witness),
    ),
  ]
  if (cosigners.length < args.quorum)
    return fail(
      'witness_quorum',
      `the latest checkpoint (${target?.size ?? 'none'} entries) has ${cosigners.length} valid cosignature(s) from the trusted witnesses, quorum is ${args.quorum}`,
      cosigners,
    )
  return { failure: null, cosigners, witnessedSize }
}
