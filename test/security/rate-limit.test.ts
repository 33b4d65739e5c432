import { beforeAll, describe, expect, it } from 'vitest'
import { parseTrustProxy, type ServerLimits } from '../../src/server/index.js'
import {
  type ServerFixture,
  startServerFixture,
  transferCall,
  useServerFixture,
} from '../server/server-fixture.js'
import { backendFactories, type TestBackend } from '../support/backends.js'
import { runCliCaptured } from '../support/run-cli.js'

// Issue 9, item 4: an attacker's failed sign-ins must not lock out valid keys from the same address
// (a shared NAT or proxy), while the attacker still hits the per-address limit.

/** A well-formed key nobody issued: it costs the server a real lookup, as a guess would. */
const guess = (i: number) => `arb_${`guess${i}`.padEnd(43, 'x')}`

async function status(f: ServerFixture, key: string | null, headers: Record<string, string> = {}) {
  const response = await fetch(`${f.url}/v1/whoami`, {
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
  })
  const body = (await response.json()) as { error?: { code?: string } }
  return { status: response.status, code: body.error?.code ?? null }
}

async function withFixture(
  createBackend: () => Promise<TestBackend>,
  limits: Partial<ServerLimits>,
  run: (f: ServerFixture) => Promise<void>,
): Promise<void> {
  const backend = await createBackend()
  const f = await startServerFixture(backend, limits)
  try {
    await run(f)
  } finally {
    await f.close()
    await backend.dispose()
  }
}

describe.each(backendFactories)('failed sign-ins on %s', (_name, createBackend) => {
  describe('with the default limits', () => {
    const server = useServerFixture(createBackend)
    let f: ServerFixture
    beforeAll(() => {
      f = server()
    })

    it('1,000 failed sign-ins from one address: the attacker gets 429, a valid key from that address 200', async () => {
      const seen: number[] = []
      let next = 0
      // 20 connections in parallel, as a scripted attacker would.
      await Promise.all(
        Array.from({ length: 20 }, async () => {
          while (next < 1000) seen.push((await status(f, guess(next++))).status)
        }),
      )
      const count = (s: number) => seen.filter((x) => x === s).length
      // The per-address budget (100 failures a minute) still bites the attacker...
      expect(count(401)).toBe(100)
      expect(count(429)).toBe(900)
      expect(await status(f, guess(1001))).toEqual({ status: 429, code: 'RATE_LIMITED' })
      expect(await status(f, null)).toEqual({ status: 429, code: 'RATE_LIMITED' })

      // ...but a valid key from the same address is never refused for it: reads, decisions, all of it.
      expect((await status(f, f.keys.auditor)).status).toBe(200)
      const decision = await f.call('/v1/decisions', {
        method: 'POST',
        key: f.keys.agent,
        body: transferCall(120, ['teller']),
      })
      expect(decision.status).toBe(200)
      expect((await f.call('/v1/chains', { key: f.keys.auditor })).status).toBe(200)
    })
  })

  it('without trust proxy, X-Forwarded-For is ignored: a client cannot pick a new address per attempt', async () => {
    await withFixture(createBackend, { signInFailures: { windowMs: 60_000, limit: 5 } }, async (f) => {
      for (let i = 0; i < 5; i += 1)
        expect((await status(f, guess(i), { 'x-forwarded-for': `203.0.113.${i}` })).status).toBe(401)
      expect(await status(f, guess(9), { 'x-forwarded-for': '198.51.100.9' })).toEqual({
        status: 429,
        code: 'RATE_LIMITED',
      })
      expect((await status(f, f.keys.auditor, { 'x-forwarded-for': '203.0.113.1' })).status).toBe(200)
    })
  })

  it('with trust proxy set to the proxy, failures count against the forwarded client address', async () => {
    const limits = { signInFailures: { windowMs: 60_000, limit: 5 }, trustProxy: 'loopback' }
    await withFixture(createBackend, limits, async (f) => {
      const attacker = { 'x-forwarded-for': '203.0.113.7' }
      for (let i = 0; i < 5; i += 1) expect((await status(f, guess(i), attacker)).status).toBe(401)
      expect((await status(f, guess(5), attacker)).status).toBe(429)
      // Another client behind the same proxy mistypes its key: an ordinary 401, not the attacker's 429.
      expect(await status(f, guess(6), { 'x-forwarded-for': '198.51.100.9' })).toEqual({
        status: 401,
        code: 'UNAUTHENTICATED',
      })
      // And the attacker's own address still gets through with a valid key.
      expect((await status(f, f.keys.auditor, attacker)).status).toBe(200)
    })
  })
})

describe('the trust proxy setting', () => {
  it('parses true, false, hop counts and address lists the way express compiles them', () => {
    expect(parseTrustProxy('true')).toBe(true)
    expect(parseTrustProxy('false')).toBe(false)
    expect(parseTrustProxy('2')).toBe(2)
    expect(parseTrustProxy(' loopback, 10.0.0.0/8 ')).toBe('loopback, 10.0.0.0/8')
    expect(() => parseTrustProxy('proxy.example.com')).toThrowWithCode('VALIDATION_FAILED')
  })

  it('refuses a bad --trust-proxy or ARBITER_TRUST_PROXY at start with exit code 2', async () => {
    const flag = await runCliCaptured('serve', '--port', '0', '--trust-proxy', '10.0.0.0/99')
    expect(flag.code).toBe(2)
    expect(flag.stderr).toMatch(/^arbiter: --trust-proxy \/ ARBITER_TRUST_PROXY: trust proxy: .*\n$/)
    process.env.ARBITER_TRUST_PROXY = 'not an address'
    try {
      const env = await runCliCaptured('serve', '--port', '0')
      expect(env.code).toBe(2)
      expect(env.stderr).toContain('ARBITER_TRUST_PROXY')
    } finally {
      delete process.env.ARBITER_TRUST_PROXY
    }
  })
})
