import { ArbiterError } from '../../shared/index.js'

/**
 * Stable codes of the transparency-log layer (Merkle proofs, signed notes, checkpoints, tiles).
 * - `TLOG_RANGE_INVALID`: an index or tree size is out of range (leaf past the tree, `from > to`, size 0…).
 * - `TLOG_PROOF_INVALID`: a proof does not lead to the expected root (wrong length, wrong hashes).
 * - `TLOG_HASH_INVALID`: a hash is not 32 bytes (or not base64/hex of 32 bytes).
 * - `TLOG_HASH_MISSING`: the hash source lacks a node the proof needs (tree not stored that far).
 * - `TLOG_NOTE_MALFORMED`: a signed note (or its signature lines) breaks C2SP signed-note.
 * - `TLOG_NOTE_UNVERIFIED`: no signature by a known key, or a known key's signature is invalid.
 * - `TLOG_KEY_INVALID`: a note signer or verifier key string is malformed.
 * - `TLOG_CHECKPOINT_MALFORMED`: a note body is not a C2SP tlog-checkpoint.
 * - `TLOG_TILE_INVALID`: a tile path or entry bundle is malformed.
 * - `TLOG_ENTRY_TOO_LARGE`: an entry's leaf is longer than an entry bundle can hold (65535 bytes, C2SP
 *   tlog-tiles); its bundle cannot be served, though proofs and exports of it work.
 */
export type TlogErrorCode =
  | 'TLOG_RANGE_INVALID'
  | 'TLOG_PROOF_INVALID'
  | 'TLOG_HASH_INVALID'
  | 'TLOG_HASH_MISSING'
  | 'TLOG_NOTE_MALFORMED'
  | 'TLOG_NOTE_UNVERIFIED'
  | 'TLOG_KEY_INVALID'
  | 'TLOG_CHECKPOINT_MALFORMED'
  | 'TLOG_TILE_INVALID'
  | 'TLOG_ENTRY_TOO_LARGE'

/** A transparency-log failure with a stable {@link TlogErrorCode}. */
export class TlogError extends ArbiterError<TlogErrorCode> {}
