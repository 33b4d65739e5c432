// Front door of the witness service (`arbiter witness`): an independent C2SP tlog-witness with its own
// key and its own state file, never the ledger's database.
export { type AddCheckpointContext, addCheckpoint, type WitnessResponse } from './add-checkpoint.js'
export { acquireDataDirLock } from './data-dir-lock.js'
export { logsByOrigin, parseWitnessedLog, type WitnessedLog } from './log-config.js'
export { loadWitnessIdentity, type WitnessIdentity } from './witness-key.js'
export { MAX_REQUEST_BYTES, type RunningWitness, startWitnessServer } from './witness-server.js'
export { type WitnessedCheckpoint, WitnessStateFile } from './witness-state.js'
