import type { Reason } from '../../guard/index.js'

/**
 * Whether a rule id says the whole session must stop, not just this call: its last segment starts
 * with `stop_` (`health.stop_phi_exfiltration`, `common.stop_session`). The convention is documented
 * in docs/policy-authoring.md ("Stopping the session"); it lives in the rule id so it is recorded in
 * the ledger with the decision, and every runtime can read it without a change to the decision format.
 *
 * @example
 * isStopRule('health.stop_phi_exfiltration') // true
 * isStopRule('fintech.transfer_limit') // false
 */
export function isStopRule(rule: string): boolean {
  const last = rule.slice(rule.lastIndexOf('.') + 1)
  return last.startsWith('stop_') && last.length > 'stop_'.length
}

/**
 * Default `interrupt` test of a denial: any of its reasons carries a stop rule.
 *
 * @example
 * deniesSession([{ rule: 'health.stop_phi_exfiltration', message: '…' }]) // true
 */
export function deniesSession(reasons: readonly Reason[]): boolean {
  return reasons.some((r) => isStopRule(r.rule))
}
