import type { z } from 'zod'
import { DECISION_ENTRYPOINT } from './manifest.js'
import { type Decision, decisionSchema } from './policy.types.js'

/** A deny with one reason: how the engine reports bad input and failing policies. */
export function deny(rule: string, message: string): Decision {
  return { action: 'deny', reasons: [{ rule, message }] }
}

/** Every zod issue as `path: message` on one line, capped (messages end up in ledger entries). */
export function listIssues(error: z.ZodError): string {
  const text = error.issues
    .map((issue) => `${issue.path.length ? issue.path.map(String).join('.') : '(root)'}: ${issue.message}`)
    .join('; ')
  return text.length > 1000 ? `${text.slice(0, 997)}...` : text
}

export type DecisionResult = { ok: true; decision: Decision } | { ok: false; why: string }

/**
 * Turns the result set a policy produced (JSON text, `[{"result": …}]`) into a Decision, or says why it
 * is not one. The text comes from the policy, which is trusted code but may be wrong: it is validated.
 */
export function toDecision(resultSetJson: string): DecisionResult {
  let resultSet: unknown
  try {
    resultSet = JSON.parse(resultSetJson)
  } catch {
    return { ok: false, why: `${DECISION_ENTRYPOINT} returned a result that is not JSON` }
  }
  if (!Array.isArray(resultSet) || resultSet.length === 0)
    return { ok: false, why: `${DECISION_ENTRYPOINT} is undefined for this input` }
  const first: unknown = resultSet[0]
  if (resultSet.length !== 1 || typeof first !== 'object' || first === null || !('result' in first))
    return { ok: false, why: `${DECISION_ENTRYPOINT} returned an unexpected result set` }
  const parsed = decisionSchema.safeParse(first.result)
  if (!parsed.success) return { ok: false, why: `malformed decision: ${listIssues(parsed.error)}` }
  return { ok: true, decision: parsed.data }
}
