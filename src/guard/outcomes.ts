import type { Ledger } from '../ledger/index.js'

/** A decision that let a tool run (or asked for approval) but has no outcome entry. */
export interface UnknownOutcome {
  readonly chain: string
  readonly seq: number
  readonly ts: string
  readonly decisionId: string
  readonly eventId?: string
  readonly action: string
  readonly tool: string
  readonly principal?: string
}

/**
 * Lists `outcome_unknown` decisions: allowed (or approval-gated) decisions without an `outcome`
 * entry. After a crash these are the calls that may or may not have run; each needs a look.
 * Streams the chain once, in constant memory per open decision.
 *
 * @example
 * for (const d of await findUnknownOutcomes(ledger, { chain: 'default' })) console.log(d.decisionId, d.tool)
 */
export async function findUnknownOutcomes(
  ledger: Pick<Ledger, 'entries' | 'listChains'>,
  options: { chain?: string } = {},
): Promise<UnknownOutcome[]> {
  const chains = options.chain ? [options.chain] : (await ledger.listChains()).map((c) => c.chain)
  const unknown: UnknownOutcome[] = []
  for (const chain of chains) {
    const open = new Map<string, UnknownOutcome>()
    for await (const entry of ledger.entries(chain)) {
      const body = entry.body
      const decisionId = typeof body.decision_id === 'string' ? body.decision_id : undefined
      if (!decisionId) continue
      if (entry.type === 'decision' && (body.action === 'allow' || body.action === 'require_approval')) {
        const input = (body.input ?? {}) as { tool?: { name?: unknown }; principal?: { id?: unknown } }
        open.set(decisionId, {
          chain,
          seq: entry.seq,
          ts: entry.ts,
          decisionId,
          ...(typeof body.event_id === 'string' ? { eventId: body.event_id } : {}),
          action: String(body.action),
          tool: String(input.tool?.name ?? '?'),
          ...(typeof input.principal?.id === 'string' ? { principal: input.principal.id } : {}),
        })
      } else if (entry.type === 'outcome') {
        open.delete(decisionId)
      }
    }
    unknown.push(...open.values())
  }
  return unknown
}
