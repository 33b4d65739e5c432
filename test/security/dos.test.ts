// Issue 9, item 1 (and the admission half of item 2, and the 2^53 item), written as the attacks: a
// hostile agent sends tool calls meant to freeze the server or to poison the ledger's writes. Every
// case runs against a real `arbiter serve` child process over HTTP, on PostgreSQL and on PGlite.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type BuiltBundle, buildBundle } from '../../src/policy/index.js'
import { fixturePolicies } from '../policy/helpers.js'
import { backendFactories, type TestBackend } from '../support/backends.js'
import { testBundles } from '../support/bundles.js'
import { createKey, databaseFlags, type ServeChild, startServe } from '../support/serve-child.js'

/** `depth` nested arrays around `leaf`; with `leaves`, each level also holds that many zeros. */
function nested(depth: number, leaves = 0, leaf: unknown = 'x'): unknown {
  let value: unknown = leaf
  for (let i = 0; i < depth; i++) value = [...Array.from({ length: leaves }, () => 0), value]
  return value
}

const call = (args: Record<string, unknown>, overrides: Record<string, unknown> = {}) => ({
  tool: { name: 'web.search', kind: 'client' },
  arguments: args,
  agent: { id: 'fin-assistant', runtime: 'http-sidecar' },
  principal: { id: 'emp-101', roles: ['teller'], tenant: 'acme' },
  session: { id: 'sess-dos' },
  ...overrides,
})

interface ErrorBody {
  error: { code: string; message: string }
}

let slow: BuiltBundle
let scratch: string

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'arbiter-dos-'))
  slow = await buildBundle({
    policiesDir: fixturePolicies('slow'),
    outPath: join(scratch, 'slow.tar.gz'),
    revision: 'slow-dos',
    quiet: true,
  })
})
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

describe.each(backendFactories)('against arbiter serve on %s', (_name, createBackend) => {
  let backend: TestBackend
  let dataDir: string
  let agentKey: string
  let auditorKey: string

  beforeAll(async () => {
    backend = await createBackend()
    dataDir = mkdtempSync(join(tmpdir(), 'arbiter-dos-data-'))
    // A trusted front end speaking as fin-assistant: it may name any end user (the hostile principal
    // ids below are admitted or refused on their shape, not on the binding) as a teller.
    agentKey = await createKey(backend, dataDir, 'agent', 'fin-assistant', [
      '--front-end',
      '--assert-roles',
      'teller',
    ])
    auditorKey = await createKey(backend, dataDir, 'auditor', 'auditor-1')
  })
  afterAll(async () => {
    await backend?.dispose()
    rmSync(dataDir, { recursive: true, force: true })
  })

  const post = (server: ServeChild, body: string) =>
    fetch(`${server.url}/v1/decisions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${agentKey}`, 'content-type': 'application/json' },
      body,
    })
  const entryCount = async (server: ServeChild) => {
    const response = await fetch(`${server.url}/v1/entries?limit=500`, {
      headers: { authorization: `Bearer ${auditorKey}` },
    })
    return ((await response.json()) as { entries: unknown[] }).entries.length
  }

  describe('with the default admission limits', () => {
    let server: ServeChild
    beforeAll(async () => {
      // A generous deadline: these cases are about admission, and one allowed call must not turn into a
      // timeout on a starved shared machine.
      server = await startServe(['--bundle', testBundles().shipped, ...databaseFlags(backend, dataDir)], {
        ARBITER_EVAL_TIMEOUT_MS: '10000',
      })
    })
    afterAll(async () => {
      expect(await server.stop()).toBe(0)
    })

    it('refuses a 4 KB body nesting arguments 2,000 arrays deep with 400 naming max_depth', async () => {
      const body = JSON.stringify(call({ query: 'q', filter: nested(2_000) }))
      expect(body.length).toBeLessThan(4_300)
      const response = await post(server, body)
      expect(response.status).toBe(400)
      const { error } = (await response.json()) as ErrorBody
      expect(error.code).toBe('VALIDATION_FAILED')
      expect(error.message).toMatch(
        /^arguments: \/filter(\/0){31} nesting is deeper than the limit \(32\) \[max_depth\]$/,
      )
    })

    it('refuses a 44 KB body of depth 1,000 and 20,000 leaves with 400 naming max_depth', async () => {
      const body = JSON.stringify(call({ query: 'q', filter: nested(1_000, 20) }))
      expect(body.length).toBeGreaterThan(40_000)
      const response = await post(server, body)
      expect(response.status).toBe(400)
      expect(((await response.json()) as ErrorBody).error.message).toContain('[max_depth]')
    })

    it('refuses more values than the node limit with 400 naming max_nodes', async () => {
      const body = JSON.stringify(call({ query: 'q', list: Array.from({ length: 10_001 }, () => 1) }))
      const response = await post(server, body)
      expect(response.status).toBe(400)
      expect(((await response.json()) as ErrorBody).error.message).toContain('[max_nodes]')
    })

    // JSON.stringify writes a lone surrogate as the escape \udc00, which JSON.parse turns back into
    // the lone surrogate: exactly what a hostile client can send.
    const poisoned: Array<[string, Record<string, unknown>, string]> = []
    for (const [what, bad] of [
      ['a lone surrogate', 'x\udc00y'],
      ['U+0000', 'x\u0000y'],
    ] as const) {
      const kind = what === 'U+0000' ? 'nul_character' : 'lone_surrogate'
      poisoned.push(
        [`${what} in arguments`, call({ query: bad }), kind],
        [`${what} in an argument name`, call({ [bad]: 'q' }), kind],
        [`${what} in context`, call({ query: 'q' }, { context: { note: bad } }), kind],
        [`${what} in the agent id`, call({ query: 'q' }, { agent: { id: bad, runtime: 'x' } }), kind],
        [
          `${what} in the principal id`,
          call({ query: 'q' }, { principal: { id: bad, roles: ['teller'] } }),
          kind,
        ],
        [`${what} in the session id`, call({ query: 'q' }, { session: { id: bad } }), kind],
      )
    }

    it.each(poisoned)('refuses %s with 400, not 503, and records nothing', async (_what, input, kind) => {
      const before = await entryCount(server)
      const response = await post(server, JSON.stringify(input))
      expect(response.status).toBe(400)
      const { error } = (await response.json()) as ErrorBody
      expect(error.code).toBe('VALIDATION_FAILED')
      expect(error.message).toContain(`[${kind}]`)
      expect(await entryCount(server)).toBe(before)
    })

    it('refuses an integer beyond 2^53 with a 400 that says why (it would silently lose precision)', async () => {
      const body = JSON.stringify(call({ query: 'q', amount: 1 })).replace(
        '"amount":1',
        '"amount":9007199254740993',
      )
      const response = await post(server, body)
      expect(response.status).toBe(400)
      const { error } = (await response.json()) as ErrorBody
      expect(error.message).toBe(
        'arguments: /amount holds an integer beyond ±(2^53 - 1), which JSON numbers cannot carry exactly (send it as a string) [unsafe_integer]',
      )
      // 2^53 - 1 itself is fine.
      const fine = JSON.stringify(call({ query: 'q', amount: Number.MAX_SAFE_INTEGER }))
      expect((await post(server, fine)).status).toBe(200)
    })

    it('still decides well-formed calls after all of that, and the ledger holds only them', async () => {
      const before = await entryCount(server)
      const response = await post(server, JSON.stringify(call({ query: 'euro exchange rate' })))
      expect(response.status).toBe(200)
      expect(((await response.json()) as { status: string }).status).toBe('allowed')
      expect(await entryCount(server)).toBe(before + 1)
    })
  })

  describe('with a policy that is simply slow, and admission limits raised by environment', () => {
    let server: ServeChild
    beforeAll(async () => {
      server = await startServe(['--bundle', slow.path, ...databaseFlags(backend, dataDir)], {
        ARBITER_EVAL_TIMEOUT_MS: '1500',
        ARBITER_EVAL_WORKERS: '2',
        ARBITER_MAX_ARGUMENT_DEPTH: '40',
      })
    })
    afterAll(async () => {
      expect(await server.stop()).toBe(0)
    })

    it('answers /healthz while the slow evaluation runs, then denies it with arbiter.policy_error', async () => {
      let decided = false
      const decision = post(server, JSON.stringify(call({ mode: 'spin' }))).then(async (response) => {
        decided = true
        return { status: response.status, body: (await response.json()) as Record<string, unknown> }
      })
      let answered = 0
      while (!decided) {
        const health = await fetch(`${server.url}/healthz`)
        expect(health.status).toBe(200)
        if (!decided) answered += 1
      }
      // A blocked event loop would answer at most the one health check already in flight.
      expect(answered).toBeGreaterThan(3)
      const { status, body } = await decision
      expect(status).toBe(200)
      expect(body.status).toBe('denied')
      expect(body.reasons).toEqual([
        { rule: 'arbiter.policy_error', message: 'policy evaluation timed out after 1500 ms' },
      ])
      expect(body.bundle).toMatchObject({ revision: 'slow-dos' })
    })

    it('serves the next call after the stuck worker was replaced', async () => {
      const response = await post(server, JSON.stringify(call({ mode: 'fast' })))
      expect(((await response.json()) as { reasons: unknown }).reasons).toEqual([
        { rule: 'fixture.fast', message: 'answered at once' },
      ])
    })

    it('admits depth 39 under ARBITER_MAX_ARGUMENT_DEPTH=40, and still refuses depth 41', async () => {
      const admitted = await post(server, JSON.stringify(call({ mode: 'fast', filter: nested(38) })))
      expect(admitted.status).toBe(200)
      const refused = await post(server, JSON.stringify(call({ mode: 'fast', filter: nested(40) })))
      expect(refused.status).toBe(400)
      expect(((await refused.json()) as ErrorBody).error.message).toContain('limit (40) [max_depth]')
    })
  })
})

describe('arbiter decide', () => {
  const entry = fileURLToPath(new URL('../policy/cli-entry.ts', import.meta.url))
  const decide = (input: unknown, args: string[] = [], env: Record<string, string> = {}) => {
    const path = join(scratch, `call-${Math.random().toString(36).slice(2)}.json`)
    writeFileSync(path, JSON.stringify(input))
    return spawnSync(process.execPath, ['--import', 'tsx', entry, 'decide', '--input', path, ...args], {
      encoding: 'utf8',
      env: { ...process.env, ...env },
      timeout: 120_000,
    })
  }

  it('refuses arguments 1,500 deep: exit 2 and one line naming the limit', () => {
    const result = decide(call({ query: 'q', filter: nested(1_500) }), ['--bundle', testBundles().shipped])
    expect(result.status).toBe(2)
    expect(result.stdout).toBe('')
    expect(result.stderr).toMatch(
      /^arbiter: arguments: \/filter(\/0){31} nesting is deeper than the limit \(32\) \[max_depth\]\n$/,
    )
  })

  it('denies a simply slow policy at the deadline (ARBITER_EVAL_TIMEOUT_MS) with arbiter.policy_error', () => {
    const result = decide(call({ mode: 'spin' }), ['--bundle', slow.path], { ARBITER_EVAL_TIMEOUT_MS: '300' })
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
    expect(JSON.parse(result.stdout).decision).toEqual({
      action: 'deny',
      reasons: [{ rule: 'arbiter.policy_error', message: 'policy evaluation timed out after 300 ms' }],
    })
  })
})
