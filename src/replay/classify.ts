import type { ChangeKind, Verdict } from './replay.types.js'

/**
 * The sorted, unique rule ids of a decision's reasons.
 *
 * @example
 * rulesOf([{ rule: 'b' }, { rule: 'a' }, { rule: 'b' }]) // ['a', 'b']
 */
export function rulesOf(reasons: ReadonlyArray<{ readonly rule: string }>): string[] {
  return [...new Set(reasons.map((r) => r.rule))].sort()
}

/** Whether two verdicts have the same action and the same rule ids. */
export function sameVerdict(a: Verdict, b: Verdict): boolean {
  if (a.action !== b.action || a.rules.length !== b.rules.length) return false
  return a.rules.every((rule, i) => b.rules[i] === rule)
}

/**
 * How `candidate` differs from `recorded`, or null when it decides the same way. A change of action
 * wins over a change of rules: `allow_to_deny`, `deny_to_allow`; a call that now (or no longer) waits
 * for approvers is `approval_added` (`approval_removed`) whatever the other side is; same action with
 * different rule ids is `rules_changed`.
 *
 * @example
 * classifyChange({ action: 'allow', rules: [] }, { action: 'deny', rules: ['fintech.transfer_limit'] }) // 'allow_to_deny'
 */
export function classifyChange(recorded: Verdict, candidate: Verdict): ChangeKind | null {
  const from = recorded.action
  const to = candidate.action
  if (from !== to) {
    if (to === 'require_approval') return 'approval_added'
    if (from === 'require_approval') return 'approval_removed'
    return from === 'allow' ? 'allow_to_deny' : 'deny_to_allow'
  }
  return sameVerdict(recorded, candidate) ? null : 'rules_changed'
}

/**
 * Rule ids the candidate added and dropped, relative to the recorded decision (both sorted).
 *
 * @example
 * ruleDelta(['a', 'b'], ['b', 'c']) // { added: ['c'], removed: ['a'] }
 */
export function ruleDelta(
  recorded: readonly string[],
  candidate: readonly string[],
): { added: string[]; removed: string[] } {
  const before = new Set(recorded)
  const after = new Set(candidate)
  return {
    added: candidate.filter((r) => !before.has(r)),
    removed: recorded.filter((r) => !after.has(r)),
  }
}
