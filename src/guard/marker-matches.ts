import { toRedactionMarker } from '../ledger/index.js'

const MARKER = /^hmac-sha256:[0-9a-f]{64}$/

/**
 * The redaction markers (`hmac-sha256:<hex>` texts) anywhere in a stored decision body. The body comes
 * from the ledger, so it is read defensively: anything that is not exactly a marker is ignored.
 */
export function markersIn(body: unknown): Set<string> {
  const found = new Set<string>()
  const stack: unknown[] = [body]
  while (stack.length > 0) {
    const node = stack.pop()
    if (typeof node !== 'object' || node === null) continue
    if (Array.isArray(node)) {
      stack.push(...node)
      continue
    }
    const record = node as Record<string, unknown>
    const keys = Object.keys(record)
    if (keys.length === 1 && typeof record.redacted === 'string' && MARKER.test(record.redacted))
      found.add(record.redacted)
    else stack.push(...Object.values(record))
  }
  return found
}

// Characters that end a word in an error message or comment. Fixed here, never built from input.
const SEPARATOR = /[\s"'`,;()[\]{}<>=|]+/g
const NUMBER = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/
/** A redacted value spans at most this many words of a text ("Jane Q. Public"). */
const MAX_WORDS = 4

function wordSpans(text: string): Array<[number, number]> {
  const spans: Array<[number, number]> = []
  let at = 0
  for (const separator of text.matchAll(SEPARATOR)) {
    if (separator.index > at) spans.push([at, separator.index])
    at = separator.index + separator[0].length
  }
  if (at < text.length) spans.push([at, text.length])
  return spans
}

/**
 * The parts of `text` (runs of one to four words, with or without a trailing `.` or `:`) whose
 * redaction marker under `key` is one of `markers`: values the decision redacted, now echoed in a
 * text the server never saw them in (an outcome error posted over HTTP, an approval comment).
 * Cost: one HMAC per candidate, at most 4 × words × 2 candidates.
 *
 * @example
 * valuesMatchingMarkers('account P-77812 is frozen', markersIn(decisionBody), key) // ['P-77812']
 */
export function valuesMatchingMarkers(
  text: string,
  markers: ReadonlySet<string>,
  key: string | Uint8Array,
): string[] {
  if (markers.size === 0) return []
  const spans = wordSpans(text)
  const found = new Set<string>()
  const check = (candidate: string) => {
    if (candidate.length === 0) return
    if (markers.has(toRedactionMarker(candidate, key).redacted)) found.add(candidate)
    if (NUMBER.test(candidate)) {
      const n = Number(candidate)
      if (Number.isFinite(n) && markers.has(toRedactionMarker(n, key).redacted)) found.add(candidate)
    }
  }
  for (let i = 0; i < spans.length; i++) {
    for (let j = i; j < Math.min(spans.length, i + MAX_WORDS); j++) {
      const candidate = text.slice(spans[i]![0], spans[j]![1])
      check(candidate)
      if (/[.:]$/.test(candidate)) check(candidate.slice(0, -1))
    }
  }
  return [...found]
}
