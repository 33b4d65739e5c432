import { ValidationError } from './errors.js'

/**
 * Shape limits on untrusted JSON: how deep and how big a value may be. Bytes are limited where the
 * text is read (HTTP body limit, `maxArgumentBytes`); these bound what bytes alone do not: a 4 KB
 * body can nest 2,000 levels deep, and every reader (policy, database, verifiers) pays per level.
 */
export interface JsonLimits {
  /** Deepest nesting of arrays and objects; the value itself is depth 0, its members depth 1. */
  readonly maxDepth: number
  /** Most values in all (every object, array, string, number, boolean and null counts as one). */
  readonly maxNodes: number
  /**
   * Integers beyond ±(2^53 - 1): refused by default (input that lost precision when parsed); `allow`
   * where the value is already a double that RFC 8785 writes exactly (the ledger's stored bodies).
   */
  readonly unsafeIntegers?: 'refuse' | 'allow'
}

/**
 * Defaults for tool-call arguments (and any other caller-supplied object: context, outcome results).
 * Real tool arguments rarely nest past 10 levels or hold more than a few hundred values.
 */
export const DEFAULT_ARGUMENT_LIMITS: JsonLimits = Object.freeze({ maxDepth: 32, maxNodes: 10_000 })

/**
 * Defaults for a whole ledger entry body: a decision body wraps the arguments in `input`, next to the
 * reasons and the rest of the call, so it gets a margin over {@link DEFAULT_ARGUMENT_LIMITS}.
 */
export const DEFAULT_BODY_LIMITS: JsonLimits = Object.freeze({ maxDepth: 48, maxNodes: 25_000 })

/** Which rule a value broke. `limit` names are stable (they appear in API errors). */
export type JsonProblemKind =
  | 'max_depth'
  | 'max_nodes'
  | 'lone_surrogate'
  | 'nul_character'
  | 'unsafe_integer'
  | 'not_json'

/** The first problem found in a value, with the JSON pointer where it was found. */
export interface JsonProblem {
  readonly kind: JsonProblemKind
  /** RFC 6901 pointer relative to the checked value (`''` is the value itself). */
  readonly path: string
  readonly message: string
}

// A UTF-16 surrogate that is not part of a pair: PostgreSQL's json type (and UTF-8) cannot hold it.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

function stringProblem(text: string): 'lone_surrogate' | 'nul_character' | null {
  if (text.includes('\u0000')) return 'nul_character'
  if (LONE_SURROGATE.test(text)) return 'lone_surrogate'
  return null
}

function escapeToken(token: string | number): string {
  return typeof token === 'number' ? String(token) : token.replace(/~/g, '~0').replace(/\//g, '~1')
}

const describeKind: Record<JsonProblemKind, string> = {
  max_depth: 'nesting is deeper than the limit',
  max_nodes: 'holds more values than the limit',
  lone_surrogate: 'contains a lone UTF-16 surrogate (not valid Unicode)',
  nul_character: 'contains the character U+0000',
  unsafe_integer:
    'holds an integer beyond ±(2^53 - 1), which JSON numbers cannot carry exactly (send it as a string)',
  not_json: 'is not a JSON value',
}

interface Frame {
  readonly value: unknown
  readonly depth: number
  readonly path: string
}

/**
 * Finds the first reason `value` cannot be admitted: too deep, too many values, a string or key no
 * database can store (lone surrogate, U+0000), an integer JSON cannot carry exactly, or something
 * that is not JSON at all (undefined, a function, NaN, a class instance, a cycle). Iterative, so a
 * hostile depth cannot overflow the stack; stops as soon as a limit is passed, so its cost is bounded
 * by the limits, not by the input.
 *
 * @example
 * findJsonProblem({ a: [[[1]]] }, { maxDepth: 2, maxNodes: 100 })
 * // { kind: 'max_depth', path: '/a/0/0', message: '…' }
 */
export function findJsonProblem(value: unknown, limits: JsonLimits): JsonProblem | null {
  const stack: Frame[] = [{ value, depth: 0, path: '' }]
  let nodes = 0
  const fail = (kind: JsonProblemKind, path: string, extra = ''): JsonProblem => ({
    kind,
    path,
    message: `${path === '' ? 'value' : path} ${describeKind[kind]}${extra}`,
  })
  while (stack.length > 0) {
    const { value: current, depth, path } = stack.pop()!
    nodes += 1
    if (nodes > limits.maxNodes) return fail('max_nodes', path, ` (${limits.maxNodes})`)
    if (current === null || typeof current === 'boolean') continue
    if (typeof current === 'string') {
      const problem = stringProblem(current)
      if (problem) return fail(problem, path)
      continue
    }
    if (typeof current === 'number') {
      if (!Number.isFinite(current)) return fail('not_json', path, ' (NaN or Infinity)')
      if (Number.isInteger(current) && !Number.isSafeInteger(current) && limits.unsafeIntegers !== 'allow')
        return fail('unsafe_integer', path)
      continue
    }
    if (typeof current !== 'object') return fail('not_json', path, ` (${typeof current})`)
    // Containers: a cycle also ends here, as a depth past the limit.
    if (depth >= limits.maxDepth) return fail('max_depth', path, ` (${limits.maxDepth})`)
    // A container's members count before they are visited, so one huge array stops here at once.
    const size = Array.isArray(current) ? current.length : Object.keys(current).length
    if (nodes + size > limits.maxNodes) return fail('max_nodes', path, ` (${limits.maxNodes})`)
    if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--)
        stack.push({ value: current[i], depth: depth + 1, path: `${path}/${i}` })
      continue
    }
    const proto = Object.getPrototypeOf(current)
    if (proto !== Object.prototype && proto !== null)
      return fail('not_json', path, ` (${(current as object).constructor?.name ?? 'object'} instance)`)
    const keys = Object.keys(current)
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i]!
      const childPath = `${path}/${escapeToken(key)}`
      const keyProblem = stringProblem(key)
      if (keyProblem) return fail(keyProblem, childPath, ' (in a member name)')
      const child = (current as Record<string, unknown>)[key]
      // JSON.stringify drops undefined members; so does the canonical form. Not a problem, not a node.
      if (child === undefined) continue
      stack.push({ value: child, depth: depth + 1, path: childPath })
    }
  }
  return null
}

/**
 * Throws a {@link ValidationError} (`VALIDATION_FAILED`) naming the broken limit when `value` is not
 * admissible under `limits`. `what` says which field was checked, e.g. `arguments`.
 *
 * @throws {ValidationError} VALIDATION_FAILED, with one issue at `<what><pointer>`.
 * @example
 * assertAdmissibleJson(call.arguments, DEFAULT_ARGUMENT_LIMITS, 'arguments')
 */
export function assertAdmissibleJson(value: unknown, limits: JsonLimits, what: string): void {
  const problem = findJsonProblem(value, limits)
  if (!problem) return
  const path = `${what}${problem.path}`
  throw new ValidationError(`${what}: ${problem.message} [${problem.kind}]`, [
    { path, message: `${problem.kind}: ${problem.message}` },
  ])
}
