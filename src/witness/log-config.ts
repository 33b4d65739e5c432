import { type NoteVerifier, parseVerifierKey, TlogError, WitnessError } from '../ledger/index.js'

/** One log a witness cosigns: its origin and the only verifier key it accepts for it. */
export interface WitnessedLog {
  readonly origin: string
  readonly verifier: NoteVerifier
}

/**
 * Parses `--log <origin>=<vkey>` or `--log <vkey>` (origin = the key's name, as Arbiter names its log
 * keys after the origin). The vkey is the log's C2SP Ed25519 verifier key (`arbiter checkpoint --vkey`).
 *
 * @throws {WitnessError} WITNESS_KEY_INVALID with a one-line reason.
 * @example
 * parseWitnessedLog('arbiter.example/default=arbiter.example/default+1a2b3c4d+AU…')
 */
export function parseWitnessedLog(text: string): WitnessedLog {
  const eq = text.indexOf('=')
  // A vkey's base64 (33 bytes) has no '=', so the first '=' can only end an origin.
  const origin = eq >= 0 ? text.slice(0, eq) : null
  const vkey = eq >= 0 ? text.slice(eq + 1) : text
  let verifier: NoteVerifier
  try {
    verifier = parseVerifierKey(vkey)
  } catch (error) {
    if (error instanceof TlogError)
      throw new WitnessError(
        'WITNESS_KEY_INVALID',
        `--log ${JSON.stringify(text).slice(0, 120)}: ${error.message}`,
      )
    throw error
  }
  if (origin !== null && origin.length === 0)
    throw new WitnessError('WITNESS_KEY_INVALID', '--log must be <origin>=<vkey> or <vkey>')
  return { origin: origin ?? verifier.name, verifier }
}

/**
 * Groups logs by origin (a log may list several keys, e.g. during a key rotation).
 *
 * @example
 * const logs = logsByOrigin(flags.log.map(parseWitnessedLog))
 */
export function logsByOrigin(logs: readonly WitnessedLog[]): Map<string, NoteVerifier[]> {
  const map = new Map<string, NoteVerifier[]>()
  for (const log of logs) map.set(log.origin, [...(map.get(log.origin) ?? []), log.verifier])
  return map
}
