import { z } from 'zod'
import { type Clock, toRfc3339Millis } from '../shared/index.js'
import { listIssues } from './decision-result.js'
import { PolicyError } from './errors.js'
import { EVALUATION_ENTRYPOINTS, VISIBLE_ENTRYPOINT } from './manifest.js'
import { toolCallInputSchema } from './policy.types.js'
import type { PoolOutcome } from './worker-pool.js'

/** What `arbiter/visible` sees: a tool call without `arguments` (`context.time` set by Arbiter). */
export const visibilityInputSchema = toolCallInputSchema.omit({ arguments: true })

/** A tool whose visibility is asked, with the caller: a {@link ToolCallInput} minus `arguments`. */
export type VisibilityInput = z.infer<typeof visibilityInputSchema>

/** Index of `arbiter/visible` in the worker channel's entry point table. @internal */
export const VISIBLE_ENTRYPOINT_INDEX = EVALUATION_ENTRYPOINTS.indexOf(VISIBLE_ENTRYPOINT)

const resultSetSchema = z.array(z.object({ result: z.unknown() }))

/**
 * Decides whether a tool is shown to a caller (see {@link PolicyEngine.isToolVisible}) with the
 * bundle's `arbiter/visible` entry point, through `run` (the bundle's worker pool, under its deadline).
 * Only a result of exactly `true` shows the tool; `false`, undefined or anything else hides it.
 *
 * @throws {PolicyError} POLICY_VISIBILITY_FAILED for an invalid input, an evaluation error or timeout.
 * @internal
 */
export async function decideVisibility(
  raw: unknown,
  clock: Clock,
  run: (input: string, entrypoint: number) => PoolOutcome | Promise<PoolOutcome>,
): Promise<boolean> {
  // The caller's identity and the tool name come from outside (an MCP client, an upstream's list).
  const parsed = visibilityInputSchema.safeParse(raw)
  if (!parsed.success)
    throw new PolicyError('POLICY_VISIBILITY_FAILED', `invalid visibility input: ${listIssues(parsed.error)}`)
  const input = { ...parsed.data, context: { ...parsed.data.context, time: toRfc3339Millis(clock.now()) } }
  const outcome = await run(JSON.stringify(input), VISIBLE_ENTRYPOINT_INDEX)
  if (outcome.kind !== 'ok')
    throw new PolicyError('POLICY_VISIBILITY_FAILED', `${VISIBLE_ENTRYPOINT} failed: ${outcome.message}`)
  let resultSet: unknown
  try {
    resultSet = JSON.parse(outcome.resultSet)
  } catch {
    resultSet = undefined
  }
  const parsedSet = resultSetSchema.safeParse(resultSet)
  if (!parsedSet.success)
    throw new PolicyError('POLICY_VISIBILITY_FAILED', `${VISIBLE_ENTRYPOINT} returned no result set`)
  return parsedSet.data.length === 1 && parsedSet.data[0]!.result === true
}
