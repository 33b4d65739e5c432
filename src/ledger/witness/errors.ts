import { ArbiterError } from '../../shared/index.js'

/**
 * Stable codes of the witness layer (C2SP tlog-witness requests, tlog-cosignature/v1 cosignatures).
 * - `WITNESS_KEY_INVALID`: a cosigner verifier key or witness key file is malformed.
 * - `WITNESS_REQUEST_MALFORMED`: an add-checkpoint body, a checkpoint note or a signature line breaks
 *   the spec (attacker-controlled text).
 * - `WITNESS_COSIGNATURE_INVALID`: a cosignature does not verify against the witness key.
 * - `WITNESS_STATE_INVALID`: the witness's own state file is unreadable or malformed.
 * - `WITNESS_UNREACHABLE`: a witness could not be reached or answered outside the protocol.
 * - `WITNESS_REFUSED`: a witness answered add-checkpoint with a refusal (4xx).
 */
export type WitnessErrorCode =
  | 'WITNESS_KEY_INVALID'
  | 'WITNESS_REQUEST_MALFORMED'
  | 'WITNESS_COSIGNATURE_INVALID'
  | 'WITNESS_STATE_INVALID'
  | 'WITNESS_UNREACHABLE'
  | 'WITNESS_REFUSED'

/** A witness-layer failure with a stable {@link WitnessErrorCode}. */
export class WitnessError extends ArbiterError<WitnessErrorCode> {}
