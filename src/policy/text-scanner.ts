import type { LoadedPolicy } from '@open-policy-agent/opa-wasm'
import { z } from 'zod'
import { describeError } from '../shared/index.js'
import { PolicyError } from './errors.js'
import { SCAN_ENTRYPOINT } from './manifest.js'
import type { TextFinding } from './policy.types.js'

const resultSetSchema = z
  .array(
    z.object({
      result: z.object({
        findings: z.array(
          z.object({ text: z.number().int().nonnegative(), match: z.string(), detector: z.string() }),
        ),
      }),
    }),
  )
  .length(1)

/** Scans free texts with a bundle's detectors; see {@link PolicyEngine.scanTexts}. @internal */
export type TextScanner = (texts: readonly string[]) => readonly TextFinding[]

/**
 * Builds the scanner for one loaded bundle: evaluates the `arbiter/scan` entry point with
 * `{"texts": [...]}`. Findings that do not occur in the text they name are dropped (the policy is
 * trusted to detect, not to invent text). A bundle without the entry point gets a scanner that throws,
 * so callers can fail closed (withhold the text) rather than store it unchecked.
 *
 * @throws {PolicyError} POLICY_SCAN_FAILED (from the scanner) when the entry point is missing or fails.
 * @internal
 */
export function createTextScanner(policy: LoadedPolicy): TextScanner {
  const entrypoint = (policy.entrypoints as Record<string, number>)[SCAN_ENTRYPOINT]
  return (texts) => {
    if (entrypoint === undefined)
      throw new PolicyError('POLICY_SCAN_FAILED', `policy bundle has no ${SCAN_ENTRYPOINT} entry point`)
    if (texts.length === 0) return []
    let resultSet: unknown
    try {
      resultSet = policy.evaluate({ texts }, entrypoint)
    } catch (error) {
      throw new PolicyError('POLICY_SCAN_FAILED', `${SCAN_ENTRYPOINT} failed: ${describeError(error)}`, {
        cause: error,
      })
    }
    const parsed = resultSetSchema.safeParse(resultSet)
    if (!parsed.success)
      throw new PolicyError('POLICY_SCAN_FAILED', `${SCAN_ENTRYPOINT} returned no {findings} result`)
    return parsed.data[0]!.result.findings.filter(
      (f) => f.match.length > 0 && texts[f.text]?.includes(f.match) === true,
    )
  }
}
