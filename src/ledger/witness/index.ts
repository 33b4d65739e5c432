// Witness protocol pieces shared by the log (submitting) and the witness (answering): pure, no I/O.
export {
  type AddCheckpointBody,
  formatAddCheckpointBody,
  MAX_PROOF_LINES,
  parseAddCheckpointBody,
} from './add-checkpoint-body.js'
export {
  type ChainTree,
  checkWitnessed,
  type WitnessCheck,
  type WitnessedNote,
  type WitnessFailure,
  type WitnessFailureKind,
} from './check-witnessed.js'
export {
  assertKeyName,
  COSIGNATURE_V1_ALG,
  type Cosignature,
  type CosignerKey,
  cosignatureMessage,
  cosignerKeyOf,
  parseCosignerVkey,
  signCosignature,
  verifyCosignatureLine,
} from './cosignature.js'
export { parseWitnessList, parseWitnessRef, type WitnessRef } from './endpoint.js'
export { WitnessError, type WitnessErrorCode } from './errors.js'
