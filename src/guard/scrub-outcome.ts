import type { OutcomeBody } from '../entries/index.js'
import type { FreeTextOrigin, FreeTextScrubber } from './free-text.js'

type Slot = { readonly holder: Record<string | number, unknown>; readonly key: string | number }

/** Every string slot of a JSON value (iterative; the value is a private copy, so slots may be written). */
function stringSlots(root: Record<string, unknown>): Slot[] {
  const slots: Slot[] = []
  const stack: Array<Record<string | number, unknown>> = [root]
  while (stack.length > 0) {
    const holder = stack.pop()!
    for (const key of Array.isArray(holder) ? holder.keys() : Object.keys(holder)) {
      const value = holder[key]
      if (typeof value === 'string') slots.push({ holder, key })
      else if (typeof value === 'object' && value !== null) stack.push(value as Record<string, unknown>)
    }
  }
  return slots
}

/**
 * An `outcome` body with its free text made safe: `error`, and every string of a stored `result`
 * (`recordResults`), scrubbed in one detector call. `result_sha256` stays the digest of the raw result,
 * so whoever holds the result can still prove it. The body passed in is not modified.
 *
 * @example
 * await append('outcome', await scrubOutcomeBody(toOutcomeBody(id, report, false), texts, { decisionId: id }))
 */
export async function scrubOutcomeBody(
  body: OutcomeBody,
  texts: FreeTextScrubber,
  origin: FreeTextOrigin,
): Promise<OutcomeBody> {
  if (body.error === undefined && body.result === undefined) return body
  // A JSON copy: the result is the caller's object, and only JSON ever reaches the ledger anyway.
  const copy = JSON.parse(JSON.stringify(body)) as OutcomeBody & Record<string, unknown>
  const slots = stringSlots(copy).filter((s) => s.holder !== copy || s.key === 'error' || s.key === 'result')
  const clean = await texts.scrub(
    slots.map((s) => s.holder[s.key] as string),
    origin,
  )
  slots.forEach((slot, i) => {
    slot.holder[slot.key] = clean[i]
  })
  return copy
}
