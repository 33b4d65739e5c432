// The attack: a hostile agent (or anyone who can reach the port) sends thousands of generated requests —
// deep nesting, lone surrogates, U+0000, integers past 2^53, wrong types, broken JSON, odd encodings,
// forged paths, query strings and auth headers — hoping for a 5xx, a stalled server, a poisoned ledger
// or an acknowledged decision that is not there afterwards. Bounded: a fixed number of inputs from a
// logged seed, so a failure can be replayed with ARBITER_TEST_SEED.

import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { monitorEventLoopDelay, performance } from 'node:perf_hooks'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { verifyChain } from '../../src/ledger/index.js'
import { type ServerFixture, startServerFixture, transferCall } from '../server/server-fixture.js'
import { backendFactories, type TestBackend } from '../support/backends.js'
import { seededRandom } from '../support/seed.js'

const INPUTS = Number(process.env.ARBITER_FUZZ_INPUTS ?? 2000)
// ARBITER_TEST_SEED (or the older ARBITER_FUZZ_SEED) replays a run; the seed is logged either way.
const SEED = seededRandom('security/fuzz', ['ARBITER_FUZZ_SEED']).seed
const CONCURRENCY = 16

/** A request as sent: method, path (with query), headers and a raw body. */
interface FuzzRequest {
  readonly method: 'GET' | 'POST'
  readonly path: string
  readonly auth: 'agent' | 'auditor' | 'approver' | 'admin' | 'revoked' | 'none' | 'garbage' | 'lowercase'
  readonly contentType?: string
  readonly body?: string | Uint8Array
}

// --- generators --------------------------------------------------------------------------------------

const hostileString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(
    '\udc00',
    '\ud800x',
    'a\u0000b',
    '\u0000',
    '😀\udfff',
    '../../etc/passwd',
    '%00',
    '__proto__',
  ),
  fc.constantFrom('123-45-6789', 'DE89370400440532013000', 'AKIAIOSFODNN7EXAMPLE', 'MRN-004211'),
)

/** Percent-encodes like a browser, and a lone surrogate as the invalid UTF-8 an attacker would send. */
function encodeLoose(text: string): string {
  try {
    return encodeURIComponent(text)
  } catch {
    return `${encodeURIComponent(text.replace(/[\ud800-\udfff]/g, ''))}%ED%B0%80`
  }
}

/** JSON text of a value nested `depth` deep in arrays or objects. */
const deepText = fc
  .record({ depth: fc.integer({ min: 20, max: 4000 }), objects: fc.boolean() })
  .map(({ depth, objects }) =>
    objects ? `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}` : `${'['.repeat(depth)}1${']'.repeat(depth)}`,
  )

/** Raw JSON fragments a JSON.stringify would never produce. */
const rawValue = fc.oneof(
  deepText,
  fc.constantFrom(
    '"\\udc00"',
    '"\\ud800"',
    '"a\\u0000b"',
    '9007199254740993',
    '-123456789012345678901234567890',
    '1e400',
    '1.5e300',
    '{"__proto__":{"polluted":true}}',
    '{"constructor":{"prototype":{"x":1}}}',
    '{"a":1,"a":2}',
  ),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  hostileString.map((s) => JSON.stringify(s)),
)

const tools = [
  'payments.transfer',
  'web.search',
  'accounts.get_balance',
  'ehr.read_record',
  'email.send',
  'x',
]

/** A tool call body: mostly well-formed, with one raw hostile value spliced in somewhere. */
const callBody = fc
  .record({
    tool: fc.constantFrom(...tools),
    amount: fc.oneof(fc.double(), fc.integer(), fc.constant(15_000)),
    slot: fc.constantFrom(
      'arguments.memo',
      'arguments',
      'context',
      'agent.id',
      'principal.id',
      'principal.roles',
      'session.id',
      'tool.name',
      'root',
    ),
    raw: rawValue,
  })
  .map(({ tool, amount, slot, raw }) => {
    const base = transferCall(Number.isFinite(amount) ? amount : 1, ['teller'])
    const call: Record<string, unknown> = { ...base, tool: { name: tool, kind: 'client' } }
    const marker = '"__RAW_SLOT__"'
    if (slot === 'root') return raw
    const [head, tail] = slot.split('.') as [string, string | undefined]
    if (tail === undefined) call[head] = '__RAW_SLOT__'
    else call[head] = { ...(call[head] as Record<string, unknown>), [tail]: '__RAW_SLOT__' }
    return JSON.stringify(call).replace(marker, raw)
  })

const brokenText = fc.oneof(
  fc.constantFrom('', '{', '{"tool":', 'null', '[]', '"str"', '{"tool":{"name":"x"}}}', '\u0000'),
  fc.string({ maxLength: 200 }),
)

const garbageBytes = fc.uint8Array({ minLength: 1, maxLength: 300 })

const idSegment = fc.oneof(
  fc.uuid(),
  hostileString.map(encodeLoose),
  fc.constantFrom('..%2F..%2Fevil', '%ZZ', 'a'.repeat(3000), '0', '-1', '%F0%9F%98%80'),
)

const queryValue = fc.oneof(
  fc.constantFrom('-1', '0', '1e9', 'NaN', '', '9007199254740993', 'notadate', '2026-13-45T00:00:00Z'),
  hostileString.map(encodeLoose),
)

const query = fc
  .array(
    fc.tuple(
      fc.constantFrom(
        'limit',
        'cursor',
        'from',
        'to',
        'tool',
        'rule',
        'text',
        'chain',
        'wait',
        'status',
        'format',
        'type',
        'action',
      ),
      queryValue,
    ),
    { maxLength: 4 },
  )
  .map((pairs) => (pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`))

const auth = fc.constantFrom<FuzzRequest['auth']>(
  'agent',
  'agent',
  'agent',
  'auditor',
  'approver',
  'admin',
  'revoked',
  'none',
  'garbage',
  'lowercase',
)

/** Well-formed calls between the hostile ones: what must keep working (and be recorded) throughout. */
const validCall = fc
  .record({
    amount: fc.integer({ min: 1, max: 400_000 }),
    query: fc.string({ maxLength: 30 }),
    search: fc.boolean(),
  })
  .map(({ amount, query, search }) =>
    JSON.stringify(
      search
        ? {
            ...transferCall(1, ['teller']),
            tool: { name: 'web.search', kind: 'client' },
            arguments: { query },
          }
        : transferCall(amount, ['teller']),
    ),
  )

const request: fc.Arbitrary<FuzzRequest> = fc.oneof(
  {
    weight: 4,
    arbitrary: validCall.map((body) => ({
      method: 'POST' as const,
      path: '/v1/decisions',
      auth: 'agent' as const,
      contentType: 'application/json',
      body,
    })),
  },
  {
    weight: 6,
    arbitrary: fc.record({ body: callBody, auth }).map(({ body, auth }) => ({
      method: 'POST' as const,
      path: '/v1/decisions',
      auth,
      contentType: 'application/json',
      body,
    })),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({
        body: brokenText,
        auth,
        contentType: fc.constantFrom(
          'application/json',
          'text/plain',
          'application/json; charset=latin1',
          'application/x-www-form-urlencoded',
        ),
      })
      .map((r) => ({ method: 'POST' as const, path: '/v1/decisions', ...r })),
  },
  {
    weight: 1,
    arbitrary: fc.record({ body: garbageBytes, auth }).map(({ body, auth }) => ({
      method: 'POST' as const,
      path: '/v1/decisions',
      auth,
      contentType: 'application/json',
      body,
    })),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({ id: idSegment, q: query, auth })
      .map(({ id, q, auth }) => ({ method: 'GET' as const, path: `/v1/decisions/${id}${q}`, auth })),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({ id: idSegment, body: fc.oneof(rawValue, brokenText), auth })
      .map(({ id, body, auth }) => ({
        method: 'POST' as const,
        path: `/v1/decisions/${id}/outcome`,
        auth,
        contentType: 'application/json',
        body: body.startsWith('{') ? body : `{"status":"ok","error":${JSON.stringify(body)}}`,
      })),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({
        q: query,
        auth,
        route: fc.constantFrom(
          '/v1/entries',
          '/v1/conflicts',
          '/v1/approvals',
          '/v1/chains',
          '/v1/whoami',
          '/v1/openapi.json',
          '/v1/nope',
        ),
      })
      .map(({ q, auth, route }) => ({ method: 'GET' as const, path: `${route}${q}`, auth })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ chain: idSegment, seq: idSegment, auth })
      .map(({ chain, seq, auth }) => ({ method: 'GET' as const, path: `/v1/entries/${chain}/${seq}`, auth })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ id: idSegment, body: fc.oneof(rawValue, brokenText), auth })
      .map(({ id, body, auth }) => ({
        method: 'POST' as const,
        path: `/v1/approvals/${id}`,
        auth,
        contentType: 'application/json',
        body,
      })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ q: query, auth })
      .map(({ q, auth }) => ({ method: 'GET' as const, path: `/v1/export${q}`, auth })),
  },
)

// --- the run -----------------------------------------------------------------------------------------

describe.each(backendFactories)('HTTP API under generated hostile input on %s', (name, createBackend) => {
  let backend: TestBackend
  let server: ServerFixture

  beforeAll(async () => {
    backend = await createBackend()
    server = await startServerFixture(backend)
  })
  afterAll(async () => {
    await server?.close()
    await backend?.dispose()
  })

  const headersFor = (r: FuzzRequest): Record<string, string> => {
    const headers: Record<string, string> = {}
    const key = {
      agent: server.keys.agent,
      auditor: server.keys.auditor,
      approver: server.keys.approver,
      admin: server.keys.admin,
      revoked: server.keys.revoked,
    }
    if (r.auth === 'garbage')
      headers.authorization = 'Bearer arb_\u00ff\u00fenot-a-key'.replace(/[^\x20-\x7e]/g, '?')
    else if (r.auth === 'lowercase') headers.authorization = `bearer   ${server.keys.agent}`
    else if (r.auth !== 'none') headers.authorization = `Bearer ${key[r.auth]}`
    if (r.contentType) headers['content-type'] = r.contentType
    return headers
  }

  it(`answers every input with 2xx/4xx JSON, stays responsive, and loses no acknowledged decision (seed ${SEED})`, async () => {
    const inputs = fc.sample(request, { numRuns: INPUTS, seed: SEED })
    const failures: string[] = []
    const acknowledged: Array<{ decisionId: string; seq: number }> = []
    const statuses = new Map<number, number>()
    const loop = monitorEventLoopDelay({ resolution: 10 })
    let healthMax = 0
    let running = true
    // A health probe every 50 ms for the whole run: the server must keep answering other callers.
    const probe = (async () => {
      while (running) {
        const started = performance.now()
        const res = await fetch(`${server.url}/healthz`)
        await res.arrayBuffer()
        healthMax = Math.max(healthMax, performance.now() - started)
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    })()
    loop.enable()
    const send = async (r: FuzzRequest) => {
      let res: Response
      try {
        res = await fetch(`${server.url}${r.path}`, {
          method: r.method,
          headers: headersFor(r),
          ...(r.body !== undefined ? { body: r.body } : {}),
        })
      } catch (error) {
        failures.push(`${r.method} ${r.path.slice(0, 80)}: no response (${String(error)})`)
        return
      }
      const text = await res.text()
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
      if (res.status >= 500)
        failures.push(`${r.method} ${r.path.slice(0, 80)} -> ${res.status} ${text.slice(0, 200)}`)
      const streamed = r.path.startsWith('/v1/export') && res.status === 200
      if (!streamed) {
        let parsed: unknown
        try {
          parsed = JSON.parse(text)
        } catch {
          failures.push(`${r.method} ${r.path.slice(0, 80)} -> ${res.status} not JSON: ${text.slice(0, 120)}`)
        }
        const view = parsed as { decision_id?: string; entry?: { seq?: number } } | undefined
        if (r.method === 'POST' && r.path === '/v1/decisions' && res.status === 200 && view?.decision_id)
          acknowledged.push({ decisionId: view.decision_id, seq: Number(view.entry?.seq) })
      }
    }
    for (let i = 0; i < inputs.length; i += CONCURRENCY)
      await Promise.all(inputs.slice(i, i + CONCURRENCY).map(send))
    loop.disable()
    running = false
    await probe

    // Every acknowledged decision is in the ledger, where the response said; the chain verifies.
    const chain = server.composed.guard.chain
    for (const { decisionId, seq } of acknowledged) {
      const [entry] = await server.ledger.findByBodyField('decision_id', decisionId, {
        chain,
        type: 'decision',
      })
      if (entry?.seq !== seq) failures.push(`acknowledged decision ${decisionId} not at seq ${seq}`)
    }
    const report = await verifyChain(server.ledger, chain)

    const summary = {
      backend: name,
      seed: SEED,
      inputs: inputs.length,
      statuses: Object.fromEntries([...statuses].sort(([a], [b]) => a - b)),
      fivexx: [...statuses].filter(([s]) => s >= 500).reduce((n, [, c]) => n + c, 0),
      acknowledgedDecisions: acknowledged.length,
      longestEventLoopStallMs: Math.round(loop.max / 1e6),
      eventLoopP99Ms: Math.round(loop.percentile(99) / 1e6),
      slowestHealthzMs: Math.round(healthMax),
      chainVerified: report.ok,
    }
    mkdirSync(join('test', 'artifacts'), { recursive: true })
    writeFileSync(join('test', 'artifacts', `fuzz-${name}.json`), `${JSON.stringify(summary, null, 2)}\n`)
    console.log(`fuzz ${name}: ${JSON.stringify(summary)}`)
    expect(failures.slice(0, 20)).toEqual([])
    expect(report.ok, report.failure?.message).toBe(true)
    expect(acknowledged.length).toBeGreaterThan(0)
  })
})
