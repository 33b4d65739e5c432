import { z } from 'zod'
import { canonicalJson, DEFAULT_ARGUMENT_LIMITS, findJsonProblem, sha256Hex } from '../shared/index.js'
import { type Caller, callerBodySchema, callerField } from './caller.js'
import { idField, sha256Field } from './fields.js'

/**
 * What happened to the call: `ok` / `error` (it ran here), `runtime_reported` (the vendor runtime ran
 * it and said so), `not_run` (denied after approval, or the caller did not run it).
 */
export const outcomeStatusSchema = z.enum(['ok', 'error', 'runtime_reported', 'not_run'])
export type OutcomeStatus = z.infer<typeof outcomeStatusSchema>

const outcomeShape = {
  decision_id: idField,
  event_id: idField.optional(),
  status: outcomeStatusSchema,
  duration_ms: z.number().nonnegative().optional(),
  result_sha256: sha256Field.optional(),
  result: z.unknown().optional(),
  result_omitted: z.looseObject({ reason: z.string().min(1), message: z.string() }).optional(),
  error: z.string().optional(),
  caller: callerBodySchema.optional(),
}

/** Body of an `outcome` entry, read from the ledger: unknown members are kept, not rejected. */
export const outcomeBodySchema = z.looseObject(outcomeShape)

/** Body of an `outcome` entry (see docs/ledger-format.md, "Bodies"). */
export type OutcomeBody = z.infer<z.ZodObject<typeof outcomeShape>>

/** What a caller reports about a run; {@link toOutcomeBody} turns it into a body. */
export interface OutcomeFacts {
  readonly status: OutcomeStatus
  readonly eventId?: string
  readonly durationMs?: number
  /** Tool result; hashed (and stored when `recordResults`). */
  readonly result?: unknown
  readonly error?: string
  /** The API key that reported it (HTTP); absent for in-process calls. */
  readonly caller?: Caller
}

/**
 * Builds the body of an `outcome` entry. The result is hashed in canonical form; a result JSON cannot
 * carry (a function, a cycle) is hashed through its string form instead, so an outcome is always
 * recorded. The result itself is stored only when `recordResults`.
 *
 * @example
 * const body = toOutcomeBody('d1', { status: 'ok', durationMs: 12.5, result: { balance: 5 } }, false)
 * // { decision_id: 'd1', status: 'ok', duration_ms: 12.5, result_sha256: '…' }
 */
export function toOutcomeBody(decisionId: string, facts: OutcomeFacts, recordResults: boolean): OutcomeBody {
  const body: OutcomeBody = { decision_id: decisionId, status: facts.status }
  if (facts.eventId) body.event_id = facts.eventId
  if (facts.durationMs !== undefined) body.duration_ms = Math.round(facts.durationMs * 1000) / 1000
  if (facts.result !== undefined) {
    const canonical = canonicalOrString(facts.result)
    body.result_sha256 = sha256Hex(canonical.text)
    if (recordResults) {
      // A result the ledger would refuse (too deep or big, unstorable text) is left out, saying why;
      // the outcome itself is always recorded.
      const stored: unknown = canonical.json ? JSON.parse(canonical.text) : canonical.text
      const problem = findJsonProblem(stored, DEFAULT_ARGUMENT_LIMITS)
      if (problem) body.result_omitted = { reason: problem.kind, message: problem.message }
      else body.result = stored
    }
  }
  if (facts.error !== undefined) body.error = facts.error
  if (facts.caller) Object.assign(body, callerField(facts.caller))
  return body
}

function canonicalOrString(value: unknown): { text: string; json: boolean } {
  try {
    return { text: canonicalJson(value), json: true }
  } catch {
    return { text: String(value), json: false }
  }
}
