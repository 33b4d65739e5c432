import {
  CHANGE_KINDS,
  type ChangeExample,
  type ChangeKind,
  NOT_REPLAYABLE_REASONS,
  type NotReplayableExample,
  type NotReplayableReason,
  type ReplayReport,
} from './replay.types.js'

/**
 * What a slice of the replay found, mergeable: workers send one per batch and the runner folds them
 * together, so memory stays bounded by the example limit whatever the number of decisions. Plain data
 * (it crosses the worker boundary by structured clone).
 */
export interface Tally {
  decisions: number
  replayed: number
  unchanged: number
  changes: Record<ChangeKind, number>
  notReplayable: Record<NotReplayableReason, number>
  /** rule id -> [added, removed]. */
  rules: Record<string, [number, number]>
  examples: ChangeExample[]
  notReplayableExamples: NotReplayableExample[]
  /** SHA-256 -> revision of every recorded bundle the fidelity pass ran. */
  bundles: Record<string, string>
}

/** An empty tally. */
export function emptyTally(): Tally {
  return {
    decisions: 0,
    replayed: 0,
    unchanged: 0,
    changes: Object.fromEntries(CHANGE_KINDS.map((k) => [k, 0])) as Record<ChangeKind, number>,
    notReplayable: Object.fromEntries(NOT_REPLAYABLE_REASONS.map((r) => [r, 0])) as Record<
      NotReplayableReason,
      number
    >,
    rules: Object.create(null) as Record<string, [number, number]>,
    examples: [],
    notReplayableExamples: [],
    bundles: Object.create(null) as Record<string, string>,
  }
}

const byLedgerOrder = (a: { chain: string; seq: number }, b: { chain: string; seq: number }): number =>
  a.chain < b.chain ? -1 : a.chain > b.chain ? 1 : a.seq - b.seq

/** Keeps the first `limit` items per group in ledger order (chain, then seq). */
function firstPerGroup<T extends { chain: string; seq: number }>(
  items: T[],
  groupOf: (item: T) => string,
  limit: number,
): T[] {
  const sorted = [...items].sort(byLedgerOrder)
  const seen = new Map<string, number>()
  return sorted.filter((item) => {
    const n = seen.get(groupOf(item)) ?? 0
    seen.set(groupOf(item), n + 1)
    return n < limit
  })
}

/**
 * Adds `from` into `into` (mutating it) and trims the examples to `limit` per kind and per reason,
 * keeping those first in ledger order, so the result does not depend on which batch finished first.
 *
 * @example
 * const total = emptyTally()
 * mergeTally(total, batchTally, 5)
 */
export function mergeTally(into: Tally, from: Tally, limit: number): void {
  into.decisions += from.decisions
  into.replayed += from.replayed
  into.unchanged += from.unchanged
  for (const kind of CHANGE_KINDS) into.changes[kind] += from.changes[kind]
  for (const reason of NOT_REPLAYABLE_REASONS) into.notReplayable[reason] += from.notReplayable[reason]
  for (const [rule, [added, removed]] of Object.entries(from.rules)) {
    const counts = into.rules[rule] ?? [0, 0]
    counts[0] += added
    counts[1] += removed
    into.rules[rule] = counts
  }
  into.examples = firstPerGroup([...into.examples, ...from.examples], (e) => e.kind, limit)
  into.notReplayableExamples = firstPerGroup(
    [...into.notReplayableExamples, ...from.notReplayableExamples],
    (e) => e.reason,
    limit,
  )
  Object.assign(into.bundles, from.bundles)
}

/**
 * The final report of a tally.
 *
 * @example
 * const report = toReport(total, { revision: 'r2', sha256: '…' })
 */
export function toReport(tally: Tally, candidate: ReplayReport['candidate']): ReplayReport {
  return {
    candidate,
    decisions: tally.decisions,
    replayed: tally.replayed,
    unchanged: tally.unchanged,
    changes: { ...tally.changes },
    notReplayable: { ...tally.notReplayable },
    rules: Object.entries(tally.rules)
      .map(([rule, [added, removed]]) => ({ rule, added, removed }))
      .sort((a, b) => (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0)),
    examples: [...tally.examples].sort(
      (a, b) => CHANGE_KINDS.indexOf(a.kind) - CHANGE_KINDS.indexOf(b.kind) || byLedgerOrder(a, b),
    ),
    notReplayableExamples: [...tally.notReplayableExamples].sort(
      (a, b) =>
        NOT_REPLAYABLE_REASONS.indexOf(a.reason) - NOT_REPLAYABLE_REASONS.indexOf(b.reason) ||
        byLedgerOrder(a, b),
    ),
    recordedBundles: Object.entries(tally.bundles)
      .map(([sha256, revision]) => ({ sha256, revision }))
      .sort((a, b) => (a.sha256 < b.sha256 ? -1 : 1)),
  }
}
