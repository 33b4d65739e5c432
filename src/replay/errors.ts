import { ArbiterError } from '../shared/index.js'

/**
 * Stable codes of what `arbiter policy replay` refuses or fails on:
 * - `REPLAY_OPTIONS_INVALID`: a bad selection, format, `--fail-on` kind or source;
 * - `REPLAY_CANDIDATE_INVALID`: the candidate bundle (or policies directory) does not build or load;
 * - `REPLAY_EXPORT_INVALID`: the export's hash chain, checkpoints or end line do not verify (a doctored
 *   or cut export is refused before anything is replayed);
 * - `REPLAY_WORKER_FAILED`: a replay worker thread crashed (nothing partial is reported).
 */
export type ReplayErrorCode =
  | 'REPLAY_OPTIONS_INVALID'
  | 'REPLAY_CANDIDATE_INVALID'
  | 'REPLAY_EXPORT_INVALID'
  | 'REPLAY_WORKER_FAILED'

/** A replay failure with a stable {@link ReplayErrorCode}. */
export class ReplayError extends ArbiterError<ReplayErrorCode> {}
