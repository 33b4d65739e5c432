// Front door of the ledger: everything other folders may use.
export { anchorChains, readAnchors, writeAnchor } from './anchor-dir.js'
// The transparency-log layer (Merkle proofs, signed notes, checkpoints, tiles): pure, listed in its own index.
export * from './tlog/index.js'
export {
  assertChainId,
  CHAIN_ID_PATTERN,
  canonicalBody,
  ENTRY_TYPE_PATTERN,
  entryCanonicalText,
  hashEntry,
  linkEntry,
} from './chain.js'
export {
  checkCheckpointSignature,
  checkpointMessage,
  keyIdOf,
  publicKeyFromBase64,
  rawPublicKey,
  type StoredCheckpoint,
  signCheckpoint,
  type TrustedKey,
  trustedKeyFromPem,
} from './checkpoint.js'
export { Checkpointer, type CheckpointerOptions } from './checkpointer.js'
export { type CreateLedgerOptions, createLedger } from './create-ledger.js'
export {
  type ArbiterDatabase,
  type DatabaseHandle,
  DEFAULT_DATA_DIR,
  type OpenDatabaseOptions,
  openDatabase,
} from './database.js'
export { LedgerError, type LedgerErrorCode } from './errors.js'
export {
  CSV_COLUMNS,
  type ExportFormat,
  type ExportOptions,
  exportLines,
  toCsvLine,
  toJsonLine,
} from './export.js'
export { ensureRedactionKey, ensureSigningKey, loadSigningKey } from './keys.js'
export { KyselyLedgerStore, type KyselyLedgerStoreOptions } from './kysely-store.js'
export {
  type AppendRequest,
  type ChainHead,
  type Checkpoint,
  GENESIS_PREV,
  type Ledger,
  type LedgerEntry,
  type SeqRange,
  type UnhashedEntry,
  type VerifiableLedger,
} from './ledger.types.js'
export { assertLedgerSchema, migrateToLatest } from './migrations.js'
export {
  type ApprovalRecord,
  type ChainSummary,
  createLedgerQueries,
  type EntryFilter,
  type EntryPage,
  type LedgerQueries,
} from './query.js'
export {
  type RedactionMarker,
  redactArguments,
  redactionMatches,
  toRedactionMarker,
  valueAtPointer,
} from './redaction.js'
export type { OmittedBody } from './row.js'
export type { LedgerDatabase } from './schema.js'
export {
  type BreakKind,
  type ChainFailure,
  type ChainReport,
  type VerifyEntriesOptions,
  verifyEntries,
} from './verify.js'
export {
  type VerifyChainOptions,
  verifiableChains,
  verifyChain,
  verifyLedger,
} from './verify-ledger.js'
export {
  type AddCheckpointBody,
  assertKeyName,
  COSIGNATURE_V1_ALG,
  type Cosignature,
  type CosignerKey,
  cosignatureMessage,
  cosignerKeyOf,
  formatAddCheckpointBody,
  MAX_PROOF_LINES,
  parseAddCheckpointBody,
  parseCosignerVkey,
  signCosignature,
  verifyCosignatureLine,
  WitnessError,
  type WitnessErrorCode,
  type ChainTree,
  checkWitnessed,
  type WitnessCheck,
  type WitnessedNote,
  type WitnessFailure,
  type WitnessFailureKind,
  parseWitnessList,
  parseWitnessRef,
  type WitnessRef,
} from './witness/index.js'
export {
  lastCosignedSize,
  listCosignatures,
  recordCosignature,
  type StoredCosignature,
} from './cosignature-store.js'
export { type WitnessEndpoint, WitnessSubmitter, type WitnessSubmitterOptions } from './witness-submitter.js'
export {
  collectEvidence,
  type EvidenceFiles,
  type EvidenceRequest,
  type EvidenceSource,
  type EvidenceSummary,
  evidenceManifest,
  evidenceReadme,
  writeEvidencePack,
} from './evidence/index.js'
export { fetchWitnessedNotes, verifyWitnessedChain, witnessedOrigins } from './verify-witnessed.js'
export {
  type CheckpointBody,
  checkpointOrigin,
  ed25519NoteSigner,
  ed25519NoteVerifier,
  ed25519VerifierKey,
  entryLeafHash,
  formatCheckpoint,
  formatNote,
  MemoryMerkleTree,
  MerkleFrontier,
  type NoteVerifier,
  openNote,
  parseCheckpoint,
  parseNote,
  parseVerifierKey,
  proveConsistency,
  proveInclusion,
  signatureLine,
  signNote,
  TlogError,
  verifyConsistency,
} from './tlog/index.js'
