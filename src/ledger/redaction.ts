import { createHmac, timingSafeEqual } from 'node:crypto'
import { canonicalJson } from '../shared/index.js'
import { LedgerError } from './errors.js'

/** What stands in for a redacted value: `{"redacted": "hmac-sha256:<64 hex>"}`. */
export interface RedactionMarker {
  readonly redacted: string
}

const MARKER_PREFIX = 'hmac-sha256:'

function digest(value: unknown, key: string | Uint8Array): string {
  if (typeof key === 'string' ? key.length === 0 : key.byteLength === 0)
    throw new LedgerError('LEDGER_KEY_INVALID', 'redaction key is empty')
  // Canonical JSON, so equal values give equal digests whatever their key order.
  return createHmac('sha256', key).update(canonicalJson(value), 'utf8').digest('hex')
}

/** Splits an RFC 6901 JSON pointer into unescaped tokens; null when it is not a pointer. */
function pointerTokens(pointer: string): string[] | null {
  if (pointer === '') return []
  if (!pointer.startsWith('/')) return null
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'))
}

function isContainer(value: unknown): value is Record<string, unknown> | unknown[] {
  return typeof value === 'object' && value !== null
}

function childKey(container: Record<string, unknown> | unknown[], token: string): string | number | null {
  if (Array.isArray(container)) {
    if (!/^(0|[1-9][0-9]*)$/.test(token)) return null
    const index = Number(token)
    return index < container.length ? index : null
  }
  return Object.hasOwn(container, token) ? token : null
}

/**
 * The value an RFC 6901 pointer names inside `root` (`''` is `root` itself), or undefined when the
 * pointer is malformed or names nothing. Reads only; used to find what a redaction covers.
 *
 * @example
 * valueAtPointer({ a: [{ 'b/c': 1 }] }, '/a/0/b~1c') // 1
 */
export function valueAtPointer(root: unknown, pointer: string): unknown {
  const tokens = pointerTokens(pointer)
  if (!tokens) return undefined
  let node: unknown = root
  for (const token of tokens) {
    if (!isContainer(node)) return undefined
    const k = childKey(node, token)
    if (k === null) return undefined
    node = (node as Record<string | number, unknown>)[k]
  }
  return node
}

/**
 * Returns a deep copy of `args` where each JSON-pointer target is replaced by
 * `{"redacted": "hmac-sha256:<hex>"}` (HMAC-SHA256 under `key` over the value's RFC 8785 text).
 * Paths that do not exist are ignored; the input is never modified; the raw value is not kept.
 *
 * @throws {LedgerError} LEDGER_KEY_INVALID for an empty key; LEDGER_BODY_INVALID when args are not JSON.
 * @example
 * redactArguments({ card: { number: '4111…' } }, ['/card/number'], key)
 * // { card: { number: { redacted: 'hmac-sha256:…' } } }
 */
export function redactArguments<T>(args: T, pointers: readonly string[], key: string | Uint8Array): T {
  let copy: unknown
  try {
    copy = JSON.parse(canonicalJson(args))
  } catch (error) {
    throw new LedgerError('LEDGER_BODY_INVALID', `arguments are not JSON: ${String(error)}`, { cause: error })
  }
  for (const pointer of pointers) {
    const tokens = pointerTokens(pointer)
    if (!tokens) continue
    if (tokens.length === 0) {
      copy = { redacted: `${MARKER_PREFIX}${digest(copy, key)}` }
      continue
    }
    let parent: unknown = copy
    for (let i = 0; i < tokens.length - 1 && isContainer(parent); i++) {
      const k = childKey(parent, tokens[i]!)
      parent = k === null ? undefined : (parent as Record<string | number, unknown>)[k]
    }
    if (!isContainer(parent)) continue
    const last = childKey(parent, tokens[tokens.length - 1]!)
    if (last === null) continue
    const target = parent as Record<string | number, unknown>
    target[last] = { redacted: `${MARKER_PREFIX}${digest(target[last], key)}` }
  }
  return copy as T
}

/**
 * The marker `redactArguments` writes for `value`. Lets a reader that holds a candidate text find out,
 * by comparing markers, whether it is a value the ledger redacted.
 *
 * @throws {LedgerError} LEDGER_KEY_INVALID for an empty key.
 * @example
 * toRedactionMarker('078-05-1120', key) // { redacted: 'hmac-sha256:…' }
 */
export function toRedactionMarker(value: unknown, key: string | Uint8Array): RedactionMarker {
  return { redacted: `${MARKER_PREFIX}${digest(value, key)}` }
}

/**
 * Shows whether `claimedValue` is the value a redaction marker stands for (constant-time compare).
 *
 * @example
 * redactionMatches('4111…', entry.body.input.arguments.card.number, key) // true or false
 */
export function redactionMatches(claimedValue: unknown, marker: unknown, key: string | Uint8Array): boolean {
  if (!isContainer(marker) || Array.isArray(marker)) return false
  const text = (marker as Record<string, unknown>).redacted
  if (typeof text !== 'string' || !/^hmac-sha256:[0-9a-f]{64}$/.test(text)) return false
  const expected = Buffer.from(text.slice(MARKER_PREFIX.length), 'hex')
  let actual: Buffer
  try {
    actual = Buffer.from(digest(claimedValue, key), 'hex')
  } catch {
    return false
  }
  return timingSafeEqual(expected, actual)
}
