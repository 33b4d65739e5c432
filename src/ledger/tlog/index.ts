// Front door of the transparency-log layer: Merkle tree (RFC 9162 §2.1), proofs, C2SP signed notes,
// tlog-checkpoint bodies and tlog-tiles paths. Pure (no I/O); the database store feeds it hashes.
export {
  type CheckpointBody,
  checkpointOrigin,
  formatCheckpoint,
  parseCheckpoint,
} from './checkpoint-note.js'
export { TlogError, type TlogErrorCode } from './errors.js'
export { MerkleFrontier, type StoredNode } from './frontier.js'
export { MemoryMerkleTree } from './memory-tree.js'
export {
  emptyRoot,
  entryLeafBytes,
  entryLeafHash,
  HASH_SIZE,
  leafHash,
  nodeHash,
  parseHash,
  toHash,
} from './merkle-hash.js'
export {
  formatNote,
  MAX_NOTE_BYTES,
  MAX_NOTE_SIGNATURES,
  type NoteSignature,
  type OpenedNote,
  openNote,
  parseNote,
  type SignedNote,
  signatureLine,
  signNote,
} from './note.js'
export {
  ALG_ED25519,
  ed25519FromSeed,
  ed25519NoteSigner,
  ed25519NoteVerifier,
  ed25519SignerKey,
  ed25519VerifierKey,
  isValidKeyName,
  type NoteSigner,
  type NoteVerifier,
  noteKeyHash,
  parseVerifierKey,
  type VerifierFactory,
} from './note-keys.js'
export { foldHashes, type HashSource, proveConsistency, proveInclusion, treeRoot } from './prove.js'
export {
  decodeEntryBundle,
  encodeEntryBundle,
  MAX_BUNDLE_ENTRY,
  parseTilePath,
  TILE_HEIGHT,
  TILE_WIDTH,
  type TileRef,
  tileFitsTree,
  tileIndexPath,
  tileNodes,
  tilePath,
} from './tiles.js'
export {
  consistencyPlan,
  inclusionPlan,
  type NodeId,
  type ProofPlan,
  rangeNodes,
  rootNodes,
  splitPoint,
} from './tree-plan.js'
export { rootFromInclusionProof, verifyConsistency, verifyInclusion } from './verify-proof.js'
