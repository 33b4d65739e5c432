export {
  CanonicalJsonError,
  type CanonicalJsonErrorCode,
  canonicalJson,
  sha256Hex,
} from './canonical-json.js'
export { type Clock, FixedClock, systemClock, toRfc3339Millis } from './clock.js'
export { ArbiterError, describeError, ValidationError, type ValidationErrorCode } from './errors.js'
export { type IdFactory, randomIds } from './ids.js'
export {
  assertAdmissibleJson,
  DEFAULT_ARGUMENT_LIMITS,
  DEFAULT_BODY_LIMITS,
  findJsonProblem,
  type JsonLimits,
  type JsonProblem,
  type JsonProblemKind,
} from './json-admission.js'
export { createLogger, type Logger, silentLogger } from './logger.js'
export { sleep } from './sleep.js'
export { type WorkerEntry, workerEntry } from './worker-entry.js'
export { parseWith } from './zod-issues.js'
