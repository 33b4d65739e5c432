import { type SkippedEntries, safeParseEntryBody } from '../entries/index.js'
import type { Ledger } from '../ledger/index.js'

/** A decision that let a tool run (or asked for approval) but has no outcome entry. */
export interface UnknownOutcome {
  readonly chain: string
  readonly seq: number
  readonly ts: string
  readonly decisionId: string
  readonly eventId?: string
  readonly action: 'allow' | 'require_approval'
  readonly tool: string
  readonly principal?: string
}

/**
 * Lists `outcome_unknown` decisions: allowed (or approval-gated) decisions without an `outcome`
 * entry. After a crash these are the calls that may or may not have run; each needs a look.
 * Streams the chain once, in constant memory per open decision. A decision or outcome whose body does
 * not match its schema is left out and noted in `options.skipped` (pass one, and report its count:
 * such an entry may hide a call that ran).
 *
 * @example
 * for (const d of await findUnknownOutcomes(ledger, { chain: 'default' })) console.log(d.decisionId, d.tool)
 */
export async function findUnknownOutcomes(
  ledger: Pick<Ledger, 'entries' | 'listChains'>,
  options: { chain?: string; skipped?: SkippedEntries } = {},
): Promise<UnknownOutcome[]> {
  const chains = options.chain ? [options.chain] : (await ledger.listChains()).map((c) => c.chain)
  const unknown: UnknownOutcome[] = []
  for (const chain of chains) {
    const open = new Map<string, UnknownOutcome>()
    for await (const entry of ledger.entries(chain)) {
      if (entry.type === 'outcome') {
        const parsed = safeParseEntryBody('outcome', entry.body, entry)
        if (parsed.ok) open.delete(parsed.body.decision_id)
        else options.skipped?.note(parsed.error)
      } else if (entry.type === 'decision') {
        const parsed = safeParseEntryBody('decision', entry.body, entry)
        if (!parsed.ok) {
          options.skipped?.note(parsed.error)
          continue
        }
        const body = parsed.body
        if (body.action === 'deny') continue
        open.set(body.decision_id, {
          chain,
          seq: entry.seq,
          ts: entry.ts,
          decisionId: body.decision_id,
          ...(body.event_id ? { eventId: body.event_id } : {}),
          action: body.action,
          tool: body.input.tool.name,
          principal: body.input.principal.id,
        })
      }
    }
    unknown.push(...open.values())
  }
  return unknown
}
