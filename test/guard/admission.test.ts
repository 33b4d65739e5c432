// Admission at the guard: every field of a tool call is bounded and storable before anything
// evaluates or records it (real PGlite ledger, real compiled policy).
import { beforeEach, describe, expect, it } from 'vitest'
import { admitToolCall, DEFAULT_ADMISSION_LIMITS, type Guard } from '../../src/guard/index.js'
import { createLedger } from '../../src/ledger/index.js'
import { ValidationError } from '../../src/shared/index.js'
import {
  contexts,
  entriesOf,
  guardFor,
  type LedgerStore,
  usePgliteGuardEnvironment,
} from '../support/guard-harness.js'

const env = usePgliteGuardEnvironment('admission')
let store: LedgerStore
let chain: string
let guard: Guard
beforeEach(() => {
  ;({ store, chain, guard } = env)
})

const call = (args: Record<string, unknown>, overrides: Record<string, unknown> = {}) => ({
  tool: { name: 'web.search', kind: 'client' },
  arguments: args,
  ...contexts.teller,
  ...overrides,
})

function nested(depth: number): unknown {
  let value: unknown = 'x'
  for (let i = 0; i < depth; i++) value = [value]
  return value
}

async function refusal(promise: Promise<unknown>): Promise<ValidationError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(ValidationError)
  return error as ValidationError
}

describe('the guard admits a tool call', () => {
  it('at depth 32 and refuses depth 33, recording nothing', async () => {
    // `filter` is depth 1 of the arguments, so nested(31) puts its last array at depth 32.
    expect((await guard.check(call({ query: 'q', filter: nested(31) }))).kind).toBe('allow')
    const error = await refusal(guard.check(call({ query: 'q', filter: nested(32) })))
    expect(error.code).toBe('VALIDATION_FAILED')
    expect(error.message).toMatch(/\[max_depth\]$/)
    expect(error.issues[0]?.path).toMatch(/^arguments\/filter(\/0)+$/)
    expect((await entriesOf(store.ledger, chain)).map((e) => e.type)).toEqual(['decision'])
  })

  it.each([
    ['context', { context: { deep: nested(40) } }, 'max_depth'],
    ['context', { context: { list: Array.from({ length: 10_001 }, () => 0) } }, 'max_nodes'],
    ['agent', { agent: { id: 'a\u0000b', runtime: 'x' } }, 'nul_character'],
    ['principal', { principal: { id: 'emp-\ud800', roles: [] } }, 'lone_surrogate'],
    ['session', { session: { id: 's', thread: '\udfff' } }, 'lone_surrogate'],
    ['tool', { tool: { name: 'web.search\u0000', kind: 'client' } }, 'nul_character'],
    ['runtime', { runtime: { decision: 'allow', policy: 'p\udc00' } }, 'lone_surrogate'],
  ])('checks %s too (%s)', async (field, overrides, kind) => {
    const error = await refusal(guard.check(call({ query: 'q' }, overrides)))
    expect(error.code).toBe('VALIDATION_FAILED')
    expect(error.message).toMatch(new RegExp(`^${field}: .*\\[${kind}\\]$`))
    expect(await entriesOf(store.ledger, chain)).toEqual([])
  })

  it.each([
    ['an integer beyond 2^53', { amount: 2 ** 53 + 2 }, 'unsafe_integer'],
    ['a lone surrogate in a member name', { '\udc00': 1 }, 'lone_surrogate'],
    ['a Date (not plain JSON)', { at: new Date(0) }, 'not_json'],
    ['Infinity', { n: Number.POSITIVE_INFINITY }, 'not_json'],
  ])('refuses arguments holding %s', async (_what, args, kind) => {
    const error = await refusal(guard.check(call({ query: 'q', ...args })))
    expect(error.message).toContain(`[${kind}]`)
  })

  it('takes raised limits from GuardOptions.admission', async () => {
    // The ledger must store what the guard admits (createArbiter raises its body limits the same way).
    const roomyLedger = createLedger(store.db, { bodyLimits: { maxDepth: 80, maxNodes: 50_000 } })
    const roomy = guardFor(roomyLedger, env.policy, { chain, admission: { maxDepth: 64, maxNodes: 20_000 } })
    expect((await roomy.check(call({ query: 'q', filter: nested(50) }))).kind).toBe('allow')
    const list = Array.from({ length: 15_000 }, () => 0)
    expect((await roomy.check(call({ query: 'q', list }))).kind).toBe('allow')
    const error = await refusal(roomy.check(call({ query: 'q', filter: nested(70) })))
    expect(error.message).toContain('limit (64) [max_depth]')
  })

  it('limits argument bytes through admission.maxArgumentBytes and the older maxArgumentBytes', async () => {
    for (const options of [{ admission: { maxArgumentBytes: 64 } }, { maxArgumentBytes: 64 }]) {
      const small = guardFor(store.ledger, env.policy, { chain, ...options })
      const error = await refusal(small.check(call({ query: 'x'.repeat(100) })))
      expect(error.code).toBe('PAYLOAD_TOO_LARGE')
      expect((await small.check(call({ query: 'x' }))).kind).toBe('allow')
    }
  })
})

describe('admitToolCall', () => {
  it('stops at the first problem however large the input (bounded by the limits)', () => {
    const wide = call({ list: Array.from({ length: 1_000_000 }, () => 0) })
    expect(() => admitToolCall(wide, DEFAULT_ADMISSION_LIMITS)).toThrow(/limit \(10000\) \[max_nodes\]/)
  })

  it('leaves a non-object to the schema', () => {
    expect(() => admitToolCall('call', DEFAULT_ADMISSION_LIMITS)).not.toThrow()
    expect(() => admitToolCall(null, DEFAULT_ADMISSION_LIMITS)).not.toThrow()
  })
})
