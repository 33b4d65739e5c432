import { type DecisionBody, decisionBodySchema } from '../entries/index.js'
import { type Evaluator, parseToolCallInput } from '../policy/index.js'
import { classifyChange, ruleDelta, rulesOf, sameVerdict } from './classify.js'
import type { NotReplayableReason, ReplaySelection, Verdict } from './replay.types.js'
import type { Tally } from './tally.js'

/** A recorded entry as a source yields it: where it is, and its body (untrusted until parsed). */
export interface RecordedEntry {
  readonly chain: string
  readonly seq: number
  readonly ts: string
  readonly type: string
  readonly body: unknown
}

/**
 * The clock every replay evaluator reads: set to the recorded `context.time` before each evaluation,
 * so a rule about trading hours sees the hour the call was made, not the hour of the replay.
 */
export class ReplayClock {
  at = new Date(0)
  now(): Date {
    return this.at
  }
}

export interface ReplayContext {
  readonly selection: ReplaySelection
  readonly candidate: Evaluator
  readonly clock: ReplayClock
  /** The bundle with this SHA-256 from the archive (null: not archived), or a load error. */
  readonly recordedBundle: (sha256: string) => Evaluator | null | Error | Promise<Evaluator | null | Error>
  readonly exampleLimit: number
}

/** Whether the entry is a decision the selection asks for (on what is known before the body is parsed). */
export function selectsEntry(selection: ReplaySelection, entry: RecordedEntry): boolean {
  if (entry.type !== 'decision') return false
  if (selection.chain !== undefined && entry.chain !== selection.chain) return false
  if (selection.fromSeq !== undefined && entry.seq < selection.fromSeq) return false
  if (selection.toSeq !== undefined && entry.seq > selection.toSeq) return false
  const ts = Date.parse(entry.ts)
  if (selection.since !== undefined && !(ts >= selection.since.getTime())) return false
  if (selection.until !== undefined && !(ts < selection.until.getTime())) return false
  return true
}

function selectsBody(selection: ReplaySelection, body: DecisionBody): boolean {
  if (selection.tool !== undefined && body.input.tool.name !== selection.tool) return false
  if (selection.agent !== undefined && body.input.agent.id !== selection.agent) return false
  if (selection.rule !== undefined && !body.reasons.some((r) => r.rule === selection.rule)) return false
  return true
}

function decide(evaluator: Evaluator, clock: ReplayClock, input: unknown, time: Date): Verdict {
  clock.at = time
  const { decision } = evaluator.evaluate(input)
  return { action: decision.action, rules: rulesOf(decision.reasons) }
}

function timeOf(body: DecisionBody, ts: string): Date {
  const recorded = body.input.context?.time
  const at = new Date(typeof recorded === 'string' ? recorded : ts)
  return Number.isNaN(at.getTime()) ? new Date(ts) : at
}

// Rows arrive in ledger order within a batch, so the first `limit` of each group are the ones to keep.
function countOf<T>(items: readonly T[], match: (item: T) => boolean): number {
  let n = 0
  for (const item of items) if (match(item)) n += 1
  return n
}

function countRule(tally: Tally, rule: string, side: 0 | 1): void {
  const counts = tally.rules[rule] ?? [0, 0]
  counts[side] += 1
  tally.rules[rule] = counts
}

function describeVerdict(v: Verdict): string {
  return `${v.action} [${v.rules.join(', ')}]`
}

/**
 * Replays one recorded entry into `tally`: skips it unless it is a selected decision; parses its body
 * with the `decision` schema; re-evaluates the recorded input at its recorded time under the bundle
 * that made it (fidelity) and, only when that reproduces the recorded action and rule ids, under the
 * candidate; counts what changed. Anything it cannot reproduce is counted as not replayable.
 *
 * @example
 * await replayEntry(tally, { chain: 'default', seq: 7, ts, type: 'decision', body }, context)
 */
export async function replayEntry(tally: Tally, entry: RecordedEntry, context: ReplayContext): Promise<void> {
  if (!selectsEntry(context.selection, entry)) return
  // The body comes from the ledger or an export: parsed with the entries schema before anything reads it.
  const parsed = decisionBodySchema.safeParse(entry.body)
  const decisionId =
    typeof (entry.body as { decision_id?: unknown })?.decision_id === 'string'
      ? (entry.body as { decision_id: string }).decision_id
      : ''
  const notReplayable = (reason: NotReplayableReason, detail: string): void => {
    tally.notReplayable[reason] += 1
    if (countOf(tally.notReplayableExamples, (e) => e.reason === reason) < context.exampleLimit)
      tally.notReplayableExamples.push({
        chain: entry.chain,
        seq: entry.seq,
        decisionId,
        reason,
        ts: entry.ts,
        detail: detail.length > 300 ? `${detail.slice(0, 297)}...` : detail,
      })
  }
  if (!parsed.success) {
    tally.decisions += 1
    notReplayable('input_invalid', `decision body does not parse: ${parsed.error.issues[0]?.message ?? ''}`)
    return
  }
  const body = parsed.data
  if (!selectsBody(context.selection, body)) return
  tally.decisions += 1
  const recorded: Verdict = { action: body.action, rules: rulesOf(body.reasons) }
  const at = timeOf(body, entry.ts)
  const lookup = context.recordedBundle(body.bundle.sha256)
  const original = lookup instanceof Promise ? await lookup : lookup
  if (original === null) {
    notReplayable(
      'bundle_not_archived',
      `bundle ${body.bundle.sha256} (revision ${body.bundle.revision}) is not archived`,
    )
    return
  }
  if (original instanceof Error) {
    notReplayable('evaluation_failed', `bundle ${body.bundle.sha256}: ${original.message}`)
    return
  }
  tally.bundles[body.bundle.sha256] = original.bundle.revision
  // Validated once for both evaluations (the engine recognises what parseToolCallInput returned); an
  // input the schema refuses goes in as recorded, and both bundles answer it as the engine would.
  let input: unknown = body.input
  try {
    input = parseToolCallInput(body.input, 'recorded input')
  } catch {
    // left as recorded
  }
  const again = decide(original, context.clock, input, at)
  if (!sameVerdict(recorded, again)) {
    notReplayable(
      'fidelity_mismatch',
      `recorded ${describeVerdict(recorded)}, the same bundle now gives ${describeVerdict(again)}`,
    )
    return
  }
  tally.replayed += 1
  const candidate = decide(context.candidate, context.clock, input, at)
  const kind = classifyChange(recorded, candidate)
  if (kind === null) {
    tally.unchanged += 1
    return
  }
  tally.changes[kind] += 1
  const { added, removed } = ruleDelta(recorded.rules, candidate.rules)
  for (const rule of added) countRule(tally, rule, 0)
  for (const rule of removed) countRule(tally, rule, 1)
  if (countOf(tally.examples, (e) => e.kind === kind) < context.exampleLimit)
    tally.examples.push({
      kind,
      chain: entry.chain,
      seq: entry.seq,
      decisionId: body.decision_id,
      ts: entry.ts,
      tool: body.input.tool.name,
      agent: body.input.agent.id,
      recorded,
      candidate,
    })
}
