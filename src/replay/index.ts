// Front door of policy replay: re-evaluate recorded decisions under the bundle that made them
// (fidelity) and under a candidate, on worker threads, and report what would change.
export { archiveSource, directorySource, firstOf, type RecordedBundleSource } from './archived-bundles.js'
export { loadCandidate } from './candidate.js'
export { classifyChange, ruleDelta, rulesOf } from './classify.js'
export { DEFAULT_BATCH_ROWS, databaseBatches } from './database-source.js'
export { ReplayError, type ReplayErrorCode } from './errors.js'
export { exportBatches, type VerifiedExport, verifyExportFile } from './export-source.js'
export { failingKinds, parseFailOn } from './fail-on.js'
export { formatReport, REPORT_FORMATS, type ReportFormat } from './format-report.js'
export {
  CHANGE_KINDS,
  type ChangeExample,
  type ChangeKind,
  type LedgerRef,
  NOT_REPLAYABLE_REASONS,
  type NotReplayableExample,
  type NotReplayableReason,
  type ReplayReport,
  type ReplaySelection,
  type RuleCount,
  type Verdict,
} from './replay.types.js'
export { type RunReplayOptions, runReplay } from './replay-runner.js'
export type { ReplayBatch } from './replay-worker.js'
