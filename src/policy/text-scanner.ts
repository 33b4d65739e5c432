import { z } from 'zod'
import { PolicyError } from './errors.js'
import { EVALUATION_ENTRYPOINTS, SCAN_ENTRYPOINT } from './manifest.js'
import type { TextFinding } from './policy.types.js'
import type { PoolOutcome } from './worker-pool.js'

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

/** Index of `arbiter/scan` in the worker channel's entry point table. @internal */
export const SCAN_ENTRYPOINT_INDEX = EVALUATION_ENTRYPOINTS.indexOf(SCAN_ENTRYPOINT)

/**
 * Scans free texts with a bundle's detectors (see {@link PolicyEngine.scanTexts}): evaluates the
 * `arbiter/scan` entry point with `{"texts": [...]}` through `run` (the bundle's worker pool, under its
 * deadline). Findings that do not occur in the text they name are dropped (the policy is trusted to
 * detect, not to invent text). Any failure — no such entry point, an error, the deadline — throws, so
 * callers fail closed (withhold the text) rather than store it unchecked.
 *
 * @throws {PolicyError} POLICY_SCAN_FAILED
 * @internal
 */
export async function scanTexts(
  texts: readonly string[],
  run: (input: string, entrypoint: number) => PoolOutcome | Promise<PoolOutcome>,
): Promise<readonly TextFinding[]> {
  if (texts.length === 0) return []
  const outcome = await run(JSON.stringify({ texts }), SCAN_ENTRYPOINT_INDEX)
  if (outcome.kind !== 'ok')
    throw new PolicyError('POLICY_SCAN_FAILED', `${SCAN_ENTRYPOINT} failed: ${outcome.message}`)
  let resultSet: unknown
  try {
    resultSet = JSON.parse(outcome.resultSet)
  } catch {
    resultSet = undefined
  }
  const parsed = resultSetSchema.safeParse(resultSet)
  if (!parsed.success)
    throw new PolicyError('POLICY_SCAN_FAILED', `${SCAN_ENTRYPOINT} returned no {findings} result`)
  return parsed.data[0]!.result.findings.filter(
    (f) => f.match.length > 0 && texts[f.text]?.includes(f.match) === true,
  )
}
