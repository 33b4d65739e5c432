// Front door of the ledger: everything other folders may use.
export { anchorChains, readAnchors, writeAnchor } from './anchor-dir.js'
export {
  type ArchivedBundle,
  type ArchivedBundleInfo,
  type BundleArchive,
  type BundleToArchive,
  createBundleArchive,
  SHA256_PATTERN,
} from './bundle-archive.js'
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
export {
  cosignaturesOfSize,
  lastCosignedSize,
  listCosignatures,
  recordCosignature,
  type StoredCosignature,
} from './cosignature-store.js'
export { withStoredCosignatures } from './cosigned-note.js'
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
  collectEvidence,
  type EvidenceFiles,
  type EvidenceRequest,
  type EvidenceSource,
  type EvidenceSummary,
  evidenceManifest,
  evidenceReadme,
  writeEvidencePack,
} from './evidence/index.js'
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
export { MerkleNodeCache } from './merkle-cache.js'
export { type ConsistencyProof, type InclusionProof, MerkleTreeReader, syncTree } from './merkle-reader.js'
export { KyselyHashSource } from './merkle-store.js'
export { assertLedgerSchema, migrateToLatest } from './migrations.js'
export {
  type DecisionsByAction,
  type Overview,
  type OverviewFilter,
  overviewReport,
} from './overview-query.js'
export {
  type ApprovalRecord,
  type ChainSummary,
  createLedgerQueries,
  type EntryFilter,
  type EntryPage,
  type LedgerQueries,
} from './query.js'
export { pinRangeScanPlan, RANGE_SCAN_PLAN_SETTINGS, rangeScanPlanStatement } from './range-scan-plan.js'
export {
  type RedactionMarker,
  redactArguments,
  redactionMatches,
  toRedactionMarker,
  valueAtPointer,
} from './redaction.js'
export {
  type RolloutCounts,
  type RolloutFilter,
  type RolloutReport,
  rolloutReport,
} from './rollout-query.js'
export type { OmittedBody } from './row.js'
export type { LedgerDatabase } from './schema.js'
export { bucketCount, MAX_BUCKETS, type TimeBucket } from './time-buckets.js'
// The transparency-log layer (Merkle proofs, signed notes, checkpoints, tiles): pure, listed in its own index.
export * from './tlog/index.js'
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
export { fetchWitnessedNotes, verifyWitnessedChain, witnessedOrigins } from './verify-witnessed.js'
export {
  type AddCheckpointBody,
  assertKeyName,
  type ChainTree,
  COSIGNATURE_V1_ALG,
  type Cosignature,
  type CosignerKey,
  checkWitnessed,
  cosignatureMessage,
  cosignerKeyOf,
  formatAddCheckpointBody,
  MAX_PROOF_LINES,
  parseAddCheckpointBody,
  parseCosignerVkey,
  parseWitnessList,
  parseWitnessRef,
  signCosignature,
  verifyCosignatureLine,
  type WitnessCheck,
  WitnessError,
  type WitnessErrorCode,
  type WitnessedNote,
  type WitnessFailure,
  type WitnessFailureKind,
  type WitnessRef,
} from './witness/index.js'
export { type WitnessEndpoint, WitnessSubmitter, type WitnessSubmitterOptions } from './witness-submitter.js'
