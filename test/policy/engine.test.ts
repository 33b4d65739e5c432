import { execFileSync } from 'node:child_process'
import { copyFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type BuiltBundle,
  loadPolicyEngine,
  type ReloadablePolicyEngine,
  type ReloadEvent,
  resolveOpaBinary,
} from '../../src/policy/index.js'
import { FixedClock } from '../../src/shared/index.js'
import { testBundles } from '../support/bundles.js'
import { buildShipped, fixturePolicies, MARKET_OPEN, makeTempDir, removeDir, toolCall } from './helpers.js'

let dir: string
let shipped: BuiltBundle
let broken: { path: string }

beforeAll(async () => {
  dir = makeTempDir()
  shipped = await buildShipped(dir)
  broken = { path: testBundles().broken }
})
afterAll(() => removeDir(dir))

const transfer = (amount: number, counterparty = 'Bob Smith') =>
  toolCall(
    'payments.transfer',
    { amount, currency: 'USD', from_account: '4401778812', to_account: '7730019921', counterparty },
    { roles: ['payments_officer'] },
  )

describe('loadPolicyEngine', () => {
  describe('with the shipped packs', () => {
    let engine: ReloadablePolicyEngine
    const clock = new FixedClock(MARKET_OPEN)
    beforeAll(async () => {
      engine = await loadPolicyEngine({ bundlePath: shipped.path, clock, evaluationTimeoutMs: 10_000 })
    })
    afterAll(() => engine.close())

    it('exposes the bundle revision and the SHA-256 of the tar.gz', () => {
      expect(engine.bundle.revision).toBe('test-r1')
      expect(engine.bundle.sha256).toBe(shipped.sha256)
      expect(engine.bundle.sha256).toMatch(/^[0-9a-f]{64}$/)
      expect(engine.bundle.loadedAt).toEqual(MARKET_OPEN)
    })

    it('allows an allowlisted call and stamps the evaluation', async () => {
      const evaluation = await engine.evaluate(transfer(500))
      expect(evaluation.decision).toEqual({
        action: 'allow',
        reasons: [
          {
            rule: 'common.tool_allowlist',
            message: 'tool payments.transfer is allowed for agent fin-assistant',
          },
        ],
        redact: ['/from_account', '/to_account'],
        redact_input: [],
      })
      expect(evaluation.bundle).toBe(engine.bundle)
      expect(evaluation.durationUs).toBeGreaterThan(0)
    })

    it('requires approval with roles and count from the rule', async () => {
      const { decision } = await engine.evaluate(transfer(50_000))
      expect(decision.action).toBe('require_approval')
      expect(decision.approval).toEqual({ roles: ['payments_officer'], count: 1 })
      expect(decision.reasons.map((r) => r.rule)).toEqual(['fintech.four_eyes'])
    })

    it('denies, and deny beats require_approval', async () => {
      const { decision } = await engine.evaluate(transfer(50_000, 'Volga Maritime Trading'))
      expect(decision.action).toBe('deny')
      expect(decision.approval).toBeUndefined()
      expect(decision.reasons.map((r) => r.rule)).toEqual(['fintech.sanctioned_counterparty'])
    })

    it('denies by default what no rule allows', async () => {
      const { decision } = await engine.evaluate(toolCall('shell.exec', { cmd: 'rm -rf /' }))
      expect(decision).toEqual({
        action: 'deny',
        reasons: [
          { rule: 'common.default_deny', message: 'no rule allows tool shell.exec for agent fin-assistant' },
        ],
        redact: [],
        redact_input: [],
      })
    })

    it('sets context.time from its clock, overwriting the caller', async () => {
      const call = toolCall(
        'trading.place_order',
        { symbol: 'MSFT', side: 'buy', quantity: 5 },
        {
          roles: ['trader'],
          context: { time: '2026-11-28T15:00:00.000Z', channel: 'chat' },
        },
      )
      const evaluation = await engine.evaluate(call)
      expect(evaluation.input?.context).toEqual({ time: '2026-11-25T15:00:00.000Z', channel: 'chat' })
      expect(evaluation.decision.action).toBe('allow')
      expect(call.context).toEqual({ time: '2026-11-28T15:00:00.000Z', channel: 'chat' }) // caller's object untouched
      clock.set(new Date('2026-11-28T15:00:00.000Z')) // a Saturday
      try {
        expect((await engine.evaluate(call)).decision.reasons.map((r) => r.rule)).toEqual([
          'fintech.trading_hours',
        ])
      } finally {
        clock.set(MARKET_OPEN)
      }
    })

    describe('when the input is invalid', () => {
      it.each([
        ['not an object', 'hello'],
        ['null', null],
        ['missing tool', { ...transfer(1), tool: undefined }],
        ['unknown tool kind', { ...transfer(1), tool: { name: 'x', kind: 'shell' } }],
        ['arguments as an array', { ...transfer(1), arguments: [1, 2] }],
        ['an unknown top-level key', { ...transfer(1), extra: true }],
      ])('denies %s with arbiter.invalid_input and no input', async (_name, input) => {
        const evaluation = await engine.evaluate(input)
        expect(evaluation.input).toBeNull()
        expect(evaluation.decision.action).toBe('deny')
        expect(evaluation.decision.reasons).toHaveLength(1)
        expect(evaluation.decision.reasons[0]?.rule).toBe('arbiter.invalid_input')
        expect(evaluation.decision.reasons[0]?.message).toMatch(/^input is not a valid tool call: /)
      })

      it('lists every issue with its path', async () => {
        const { decision } = await engine.evaluate({ ...transfer(1), tool: { name: '', kind: 'shell' } })
        expect(decision.reasons[0]?.message).toContain('tool.name')
        expect(decision.reasons[0]?.message).toContain('tool.kind')
      })

      it('denies arguments JSON cannot carry', async () => {
        const { decision } = await engine.evaluate(toolCall('web.search', { query: 'q', n: 10n }))
        expect(decision.reasons[0]?.rule).toBe('arbiter.invalid_input')
        expect(decision.reasons[0]?.message).toMatch(/not JSON-serialisable/)
      })
    })
  })

  describe('when the policy misbehaves', () => {
    let engine: ReloadablePolicyEngine
    beforeAll(async () => {
      engine = await loadPolicyEngine({
        bundlePath: broken.path,
        clock: new FixedClock(MARKET_OPEN),
        evaluationTimeoutMs: 10_000,
      })
    })
    afterAll(() => engine.close())
    const call = (mode: string) => toolCall('any.tool', { mode })

    it('passes a well-formed decision through (and the policy sees context.time)', async () => {
      expect((await engine.evaluate(call('echo_time'))).decision.reasons).toEqual([
        { rule: 'fixture.echo_time', message: '2026-11-25T15:00:00.000Z' },
      ])
    })

    it.each([
      ['undefined', /arbiter\/decision is undefined/],
      ['malformed', /malformed decision: action/],
      ['deny_without_reason', /must carry at least one reason/],
      ['approval_without_roles', /must name approval roles and count/],
      ['conflict', /policy evaluation failed: .*conflict/],
    ])('denies a %s result with arbiter.policy_error', async (mode, message) => {
      const evaluation = await engine.evaluate(call(mode))
      expect(evaluation.decision.action).toBe('deny')
      expect(evaluation.decision.reasons).toHaveLength(1)
      expect(evaluation.decision.reasons[0]?.rule).toBe('arbiter.policy_error')
      expect(evaluation.decision.reasons[0]?.message).toMatch(message)
      expect(evaluation.input).not.toBeNull()
    })

    it('keeps working after an evaluation error', async () => {
      await engine.evaluate(call('conflict'))
      expect((await engine.evaluate(call('echo_time'))).decision.action).toBe('allow')
    })
  })

  describe('when the initial bundle is unusable', () => {
    it('rejects a missing file with POLICY_BUNDLE_UNREADABLE', async () => {
      await expect(loadPolicyEngine({ bundlePath: join(dir, 'nope.tar.gz') })).rejects.toThrowWithCode(
        'POLICY_BUNDLE_UNREADABLE',
      )
    })

    it('rejects a corrupt file with POLICY_BUNDLE_INVALID', async () => {
      const path = join(dir, 'corrupt.tar.gz')
      writeFileSync(path, 'this is not a bundle')
      await expect(loadPolicyEngine({ bundlePath: path })).rejects.toThrowWithCode('POLICY_BUNDLE_INVALID')
    })

    it('rejects a policy needing builtins opa-wasm lacks with POLICY_UNSUPPORTED_BUILTIN', async () => {
      // opa build accepts time.now_ns; only the opa-wasm host cannot run it.
      const path = join(dir, 'unsupported.tar.gz')
      const args = ['build', '-t', 'wasm', '-e', 'arbiter/decision', '--revision', 'u', '-o', path]
      execFileSync(resolveOpaBinary({ quiet: true }), [...args, fixturePolicies('unsupported-builtin')])
      await expect(loadPolicyEngine({ bundlePath: path })).rejects.toThrowWithCode(
        'POLICY_UNSUPPORTED_BUILTIN',
      )
    })
  })

  describe('reloading', () => {
    let engine: ReloadablePolicyEngine
    let live: string
    let events: ReloadEvent[]
    beforeAll(async () => {
      live = join(dir, 'live', 'bundle.tar.gz')
      await buildShipped(join(dir, 'live'))
      engine = await loadPolicyEngine({
        bundlePath: live,
        watch: true,
        watchDebounceMs: 50,
        evaluationTimeoutMs: 10_000,
      })
      events = []
      engine.onReload((event) => events.push(event))
    })
    afterAll(() => engine.close())

    const nextEvent = (): Promise<ReloadEvent> =>
      new Promise((resolve, reject) => {
        const timeout = setTimeout(() => reject(new Error('no reload event within 10s')), 10_000)
        const off = engine.onReload((event) => {
          clearTimeout(timeout)
          off()
          resolve(event)
        })
      })

    it('swaps in a valid new bundle replaced by atomic rename', async () => {
      const next = await buildShipped(join(dir, 'staging'), 'test-r2')
      const seen = nextEvent()
      copyFileSync(next.path, `${live}.tmp`)
      renameSync(`${live}.tmp`, live)
      const event = await seen
      expect(event).toMatchObject({
        ok: true,
        changed: true,
        bundle: { revision: 'test-r2', sha256: next.sha256 },
      })
      expect(event.ok && event.previous.revision).toBe('test-r1')
      expect(engine.bundle.revision).toBe('test-r2')
      expect((await engine.evaluate(toolCall('web.search', { query: 'q' }))).bundle.sha256).toBe(next.sha256)
    })

    it('rejects a corrupted bundle and keeps the last good one', async () => {
      const good = engine.bundle
      const seen = nextEvent()
      writeFileSync(live, Buffer.from('\x1f\x8b garbage that is not gzip'))
      const event = await seen
      expect(event.ok).toBe(false)
      if (!event.ok) {
        expect(event.error.code).toBe('POLICY_BUNDLE_INVALID')
        expect(event.bundle).toBe(good)
      }
      expect(engine.bundle).toBe(good)
      const evaluation = await engine.evaluate(toolCall('web.search', { query: 'q' }))
      expect(evaluation.decision.action).toBe('allow')
      expect(evaluation.bundle.sha256).toBe(good.sha256)
    })

    it('reload() on unchanged bytes reports no change and notifies nobody', async () => {
      const next = await buildShipped(join(dir, 'staging2'), 'test-r3')
      copyFileSync(next.path, `${live}.tmp`)
      renameSync(`${live}.tmp`, live)
      await engine.reload()
      expect(engine.bundle.revision).toBe('test-r3')
      const before = events.length
      const event = await engine.reload()
      expect(event).toMatchObject({ ok: true, changed: false })
      expect(events.length).toBe(before)
    })

    it('swaps between evaluations only, under a stream of concurrent evaluations', async () => {
      const staged = await buildShipped(join(dir, 'staging3'), 'test-r4')
      copyFileSync(staged.path, `${live}.tmp`)
      renameSync(`${live}.tmp`, live)
      let reloaded = false
      const reloading = engine.reload().then(() => {
        reloaded = true
      })
      const seen: string[] = []
      // Until the reload has settled (the new bundle starts its own workers first), and one call after.
      for (let i = 1; !(reloaded && seen.at(-1) === 'test-r4'); i++) {
        const amount = (i % 30) * 1000
        const evaluation = await engine.evaluate(transfer(amount))
        const expected = amount === 0 ? 'deny' : amount > 10_000 ? 'require_approval' : 'allow'
        expect(evaluation.decision.action).toBe(expected)
        seen.push(evaluation.bundle.revision)
        if (i % 5 === 0) await new Promise((resolve) => setImmediate(resolve))
      }
      await reloading
      expect(seen[0]).toBe('test-r3')
      expect(seen.at(-1)).toBe('test-r4')
      // One switch, never back: each evaluation ran wholly on one bundle.
      expect(seen.indexOf('test-r4')).toBe(seen.lastIndexOf('test-r3') + 1)
    })
  })
})
