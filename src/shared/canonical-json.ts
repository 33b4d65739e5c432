import { createHash } from 'node:crypto'
import { ArbiterError } from './errors.js'

export type CanonicalJsonErrorCode = 'CANONICAL_JSON_INVALID'

/** A value cannot be put in RFC 8785 form (NaN, Infinity, BigInt, a function, undefined, a cycle…). */
export class CanonicalJsonError extends ArbiterError<CanonicalJsonErrorCode> {}

/** An array or object being written: its members, and how far along they are. */
interface Frame {
  readonly container: object
  /** Sorted member names of an object; null for an array. */
  readonly keys: string[] | null
  index: number
  written: number
}

const CYCLE_CHECK_DEPTH = 64

function invalid(message: string, cause?: unknown): CanonicalJsonError {
  return new CanonicalJsonError(
    'CANONICAL_JSON_INVALID',
    `value cannot be canonicalised: ${message}`,
    cause === undefined ? undefined : { cause },
  )
}

/** Applies `toJSON` (a Date becomes its ISO string), as JSON.stringify does. */
function jsonValueOf(value: unknown): unknown {
  let current = value
  for (let guard = 0; guard < 100; guard++) {
    if (current === null || typeof current !== 'object') return current
    const toJson = (current as { toJSON?: unknown }).toJSON
    if (typeof toJson !== 'function') return current
    current = toJson.call(current)
  }
  throw invalid('toJSON does not settle')
}

/** RFC 8785 text of a primitive: ECMAScript number and string serialisation, as JSON.stringify does. */
function primitiveText(value: unknown): string {
  if (typeof value === 'number' && !Number.isFinite(value)) throw invalid(`${value} is not JSON`)
  if (typeof value === 'bigint') throw invalid('BigInt is not JSON')
  if (typeof value === 'function' || typeof value === 'symbol' || value === undefined)
    throw invalid(`${typeof value} is not JSON`)
  return JSON.stringify(value)
}

/**
 * Serialises a JSON value in RFC 8785 (JCS) canonical form; the one function every hash goes through.
 * Iterative, so any nesting depth works (a stored body from before admission limits may nest 5,000
 * levels); members that are undefined are dropped and undefined array items become null, as
 * JSON.stringify does.
 *
 * @throws {CanonicalJsonError} CANONICAL_JSON_INVALID for values JSON cannot carry exactly (NaN,
 *   Infinity, BigInt, functions, a cycle).
 * @example
 * canonicalJson({ b: 1, a: [true, null] }) // '{"a":[true,null],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  let out = ''
  const stack: Frame[] = []
  // Containers on the current path: meeting one again is a cycle.
  const open = new Set<object>()
  let pending: unknown = value
  let hasPending = true
  for (;;) {
    if (hasPending) {
      hasPending = false
      const current = jsonValueOf(pending)
      if (current === null || typeof current !== 'object') out += primitiveText(current)
      else {
        // A cycle repeats forever, so past a modest depth it meets itself; shallower values skip the cost.
        if (stack.length >= CYCLE_CHECK_DEPTH) {
          if (open.has(current)) throw invalid('it contains a cycle')
          open.add(current)
        }
        const isArray = Array.isArray(current)
        // Default sort compares UTF-16 code units: the order RFC 8785 prescribes.
        stack.push({
          container: current,
          keys: isArray ? null : Object.keys(current).sort(),
          index: 0,
          written: 0,
        })
        out += isArray ? '[' : '{'
      }
    }
    const top = stack[stack.length - 1]
    if (!top) return out
    if (top.keys === null) {
      const items = top.container as unknown[]
      if (top.index < items.length) {
        if (top.index > 0) out += ','
        const item = items[top.index++]
        pending = item === undefined || typeof item === 'symbol' ? null : item
        hasPending = true
        continue
      }
      out += ']'
    } else {
      const members = top.container as Record<string, unknown>
      while (top.index < top.keys.length) {
        const key = top.keys[top.index++]!
        const member = members[key]
        if (member === undefined || typeof member === 'symbol') continue
        out += `${top.written++ > 0 ? ',' : ''}${JSON.stringify(key)}:`
        pending = member
        hasPending = true
        break
      }
      if (hasPending) continue
      out += '}'
    }
    stack.pop()
    if (stack.length >= CYCLE_CHECK_DEPTH) open.delete(top.container)
  }
}

/** Lowercase hex SHA-256 of a string's UTF-8 bytes. */
export function sha256Hex(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex')
}
