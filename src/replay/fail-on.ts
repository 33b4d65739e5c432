import { ReplayError } from './errors.js'
import { CHANGE_KINDS, type ChangeKind, type ReplayReport } from './replay.types.js'

/**
 * Parses `--fail-on allow_to_deny,deny_to_allow`: comma-separated change kinds, each named exactly.
 *
 * @throws {ReplayError} REPLAY_OPTIONS_INVALID for an unknown or empty kind.
 * @example
 * parseFailOn('allow_to_deny,approval_removed') // ['allow_to_deny', 'approval_removed']
 */
export function parseFailOn(text: string): ChangeKind[] {
  const kinds = text.split(',').map((k) => k.trim())
  const unknown = kinds.filter((k) => !(CHANGE_KINDS as readonly string[]).includes(k))
  if (kinds.length === 0 || unknown.length > 0)
    throw new ReplayError(
      'REPLAY_OPTIONS_INVALID',
      `--fail-on takes change kinds (${CHANGE_KINDS.join(', ')}), got ${JSON.stringify(unknown[0] ?? text).slice(0, 80)}`,
    )
  return [...new Set(kinds as ChangeKind[])]
}

/**
 * The kinds among `failOn` the report found at least once (empty: the check passes).
 *
 * @example
 * if (failingKinds(report, ['allow_to_deny']).length > 0) process.exitCode = 1
 */
export function failingKinds(report: ReplayReport, failOn: readonly ChangeKind[]): ChangeKind[] {
  return failOn.filter((kind) => report.changes[kind] > 0)
}
