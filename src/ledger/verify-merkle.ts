import { z } from 'zod'
import type { TrustedKey } from './checkpoint.js'
import { publicKeyFromBase64 } from './checkpoint.js'
import {
  ed25519NoteVerifier,
  leafHash,
  MerkleFrontier,
  type NoteVerifier,
  openNote,
  parseCheckpoint,
  parseNote,
} from './tlog/index.js'

/** A Merkle root some source claims for a tree size (a signed-note checkpoint, the stored tree). */
export interface ClaimedRoot {
  readonly size: number
  readonly root: Uint8Array
  readonly what: string
}

const noteRow = z.object({ seq: z.union([z.string(), z.number()]), note: z.string(), public_key: z.string() })

/**
 * The roots claimed by a chain's signed-note checkpoints (rows from the database or anchor files,
 * untrusted): each note must open with a pinned key (or, without pins, the row's own key), name
 * `…/<chain>` as its origin and the row's seq as its size. A note that does not is returned as a problem.
 *
 * @internal
 */
export function noteRoots(
  chain: string,
  rows: readonly unknown[],
  trusted?: readonly TrustedKey[],
): { roots: ClaimedRoot[]; problems: { seq: number; message: string }[] } {
  const roots: ClaimedRoot[] = []
  const problems: { seq: number; message: string }[] = []
  for (const raw of rows) {
    const row = noteRow.safeParse(raw).data
    if (
      !row ||
      typeof (raw as { chain?: unknown }).chain !== 'string' ||
      (raw as { chain: string }).chain !== chain
    )
      continue
    const seq = Number(row.seq)
    try {
      const origin = parseNote(row.note).text.split('\n')[0] ?? ''
      if (!origin.endsWith(`/${chain}`)) throw new Error(`origin ${origin} does not name chain ${chain}`)
      const keys =
        trusted && trusted.length > 0 ? trusted.map((t) => t.key) : [publicKeyFromBase64(row.public_key)]
      const verifiers: NoteVerifier[] = keys.map((k) => ed25519NoteVerifier(origin, k))
      const body = parseCheckpoint(openNote(row.note, verifiers).text)
      if (body.size !== seq) throw new Error(`note size ${body.size} is not the checkpoint's seq ${seq}`)
      roots.push({ size: seq, root: body.root, what: `the signed-note checkpoint at size ${seq}` })
    } catch (error) {
      problems.push({ seq, message: `checkpoint note at seq ${seq} is invalid: ${(error as Error).message}` })
    }
  }
  return { roots, problems }
}

/**
 * Recomputes a chain's Merkle tree from its verified entries (streamed, O(log n) memory) and checks
 * every claimed root at its size.
 *
 * @example
 * const merkle = new MerkleVerifier(roots)
 * const problem = merkle.add(seq, canonicalText) // null while the roots agree
 */
export class MerkleVerifier {
  private readonly frontier = new MerkleFrontier()
  private readonly claims = new Map<number, ClaimedRoot[]>()

  constructor(claims: Iterable<ClaimedRoot> = []) {
    for (const c of claims) this.claims.set(c.size, [...(this.claims.get(c.size) ?? []), c])
  }

  /** Adds entry `seq` by its canonical text (the leaf bytes); returns a mismatch message or null. */
  add(seq: number, text: string): string | null {
    this.frontier.append(leafHash(Buffer.from(text, 'utf8')))
    const claims = this.claims.get(seq)
    return claims ? this.check(claims) : null
  }

  /** Checks a root claimed for the current size (e.g. the stored tree's); returns a message or null. */
  check(claims: readonly ClaimedRoot[]): string | null {
    return rootMismatch(claims, this.frontier.root())
  }

  /** Leaves added so far. */
  get size(): number {
    return this.frontier.size
  }
}

/**
 * The first of `claims` whose root is not `root` (the recomputed one at their size), as a message;
 * null when they all agree.
 *
 * @internal
 * @example
 * rootMismatch([{ size: 9, root: stored, what: 'the stored Merkle tree' }], recomputed) // null if equal
 */
export function rootMismatch(claims: readonly ClaimedRoot[], root: Buffer): string | null {
  const bad = claims.find((c) => !root.equals(Buffer.from(c.root)))
  if (!bad) return null
  return `${bad.what} names Merkle root ${Buffer.from(bad.root).toString('hex')} at size ${bad.size}; the entries give ${root.toString('hex')}`
}
