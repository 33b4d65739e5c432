import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { trace } from '@opentelemetry/api'
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { readEntry } from '../../src/entries/index.js'
import { SPAN_ATTRIBUTES as A, type CallContext, type Guard } from '../../src/guard/index.js'
import { DEFAULT_BUNDLE_PATH } from '../../src/policy/index.js'
import {
  contexts,
  entriesOf,
  guardFor,
  transferArgs,
  usePgliteGuardEnvironment,
} from '../support/guard-harness.js'
import { runTsxChild } from '../support/tsx-child.js'

// The guard's default path: spans go to the global tracer provider of @opentelemetry/api.
const exporter = new InMemorySpanExporter()
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })

const env = usePgliteGuardEnvironment('tracing')

beforeAll(() => {
  trace.setGlobalTracerProvider(provider)
})
afterAll(async () => {
  trace.disable()
  await provider.shutdown()
})
beforeEach(() => exporter.reset())

/** A value that must never leave the process through a span. */
const SECRET = 'ACCT-7319-SECRET-QX'

const call = (tool: string, args: Record<string, unknown>, ctx: CallContext = contexts.teller) => ({
  tool: { name: tool, kind: 'client' as const },
  arguments: args,
  agent: ctx.agent,
  principal: ctx.principal,
  session: ctx.session,
})

const spans = () => exporter.getFinishedSpans()
const toolSpans = () => spans().filter((s) => s.attributes[A.operation] === 'execute_tool')
const childrenOf = (parent: ReadableSpan) =>
  spans().filter((s) => s.parentSpanContext?.spanId === parent.spanContext().spanId)

/** Everything a span exports, as one string (name, attributes, events, status, links). */
const exported = (s: ReadableSpan) =>
  JSON.stringify({
    name: s.name,
    attributes: s.attributes,
    events: s.events,
    status: s.status,
    links: s.links,
  })

async function decisionEntry(chain: string, decisionId: string) {
  const entries = await entriesOf(env.store.ledger, chain)
  const entry = entries.find((e) => e.type === 'decision' && e.body.decision_id === decisionId)
  if (!entry) throw new Error(`no decision entry ${decisionId}`)
  return readEntry(entry, 'decision')
}

describe('guard spans (OpenTelemetry GenAI execute_tool)', () => {
  describe('when an allowed call runs through execute', () => {
    it('records one execute_tool span with the decision, its ledger position and three children', async () => {
      const result = await env.guard.execute(
        call('accounts.get_balance', { account_number: SECRET }),
        () => ({ balance: 1 }),
        { callId: 'toolu_01ABC' },
      )
      expect(result).toEqual({ balance: 1 })
      const [span, ...others] = toolSpans()
      expect(others).toHaveLength(0)
      expect(span!.name).toBe('execute_tool accounts.get_balance')
      expect(span!.attributes[A.operation]).toBe('execute_tool')
      expect(span!.attributes[A.toolName]).toBe('accounts.get_balance')
      expect(span!.attributes[A.toolCallId]).toBe('toolu_01ABC')
      expect(span!.attributes[A.toolType]).toBe('function')
      expect(span!.attributes[A.action]).toBe('allow')
      expect(span!.attributes[A.verdict]).toBe('allow')
      expect(span!.status.code).toBe(0)
      expect(span!.attributes[A.errorType]).toBeUndefined()

      const entry = await decisionEntry(env.chain, String(span!.attributes[A.decisionId]))
      expect(span!.attributes[A.chain]).toBe(env.chain)
      expect(span!.attributes[A.seq]).toBe(entry.seq)
      expect(span!.attributes[A.revision]).toBe(entry.body.bundle.revision)
      expect(span!.attributes[A.ruleIds]).toEqual(entry.body.reasons.map((r) => r.rule))

      const children = childrenOf(span!)
      expect(children.map((c) => c.name)).toEqual([
        'arbiter.policy.evaluate',
        'arbiter.ledger.commit',
        'arbiter.ledger.commit',
      ])
      const [evaluate, decisionCommit, outcomeCommit] = children
      expect(evaluate!.attributes[A.revision]).toBe(entry.body.bundle.revision)
      expect(decisionCommit!.attributes).toMatchObject({ [A.entryType]: 'decision', [A.seq]: entry.seq })
      expect(outcomeCommit!.attributes).toMatchObject({ [A.entryType]: 'outcome', [A.seq]: entry.seq + 1 })
    })
  })

  describe('when policy denies', () => {
    it('carries action deny and the rule ids, without an error status (execute and check alike)', async () => {
      const input = call('payments.transfer', transferArgs(50_000))
      await expect(env.guard.execute(input, () => 'ran')).rejects.toThrowWithCode('TOOL_DENIED')
      const verdict = await env.guard.check(input)
      expect(verdict.kind).toBe('deny')
      const [viaExecute, viaCheck] = toolSpans()
      for (const span of [viaExecute!, viaCheck!]) {
        expect(span.name).toBe('execute_tool payments.transfer')
        expect(span.attributes[A.action]).toBe('deny')
        expect(span.attributes[A.ruleIds]).toEqual(['fintech.transfer_limit'])
        expect(span.attributes[A.errorType]).toBeUndefined()
        expect(span.status.code).toBe(0)
        // Nothing ran: a decision commit, no outcome commit.
        expect(childrenOf(span).map((c) => c.name)).toEqual([
          'arbiter.policy.evaluate',
          'arbiter.ledger.commit',
        ])
      }
    })
  })

  describe('when a call needs approval', () => {
    it('shows require_approval, then the wait as a child span and the settled verdict', async () => {
      const guard: Guard = env.guard
      const waiting = guard.check(call('payments.transfer', transferArgs(40_000), contexts.officer))
      let pending = await guard.approvals.pending()
      for (let i = 0; pending.length === 0 && i < 200; i++) {
        await new Promise((r) => setTimeout(r, 20))
        pending = await guard.approvals.pending()
      }
      await guard.approvals.approve(pending[0]!.approvalId, { id: 'emp-317', roles: ['payments_officer'] })
      expect((await waiting).kind).toBe('allow')
      const [span] = toolSpans()
      expect(span!.attributes[A.action]).toBe('require_approval')
      expect(span!.attributes[A.ruleIds]).toEqual(['fintech.four_eyes'])
      expect(span!.attributes[A.verdict]).toBe('allow')
      expect(childrenOf(span!).map((c) => c.name)).toContain('arbiter.approval.wait')
    })
  })

  describe('when the call fails', () => {
    it('marks a malformed call with error.type VALIDATION_FAILED and no tool name', async () => {
      const raw = { ...call('accounts.get_balance', { account_number: SECRET }), extra: SECRET }
      await expect(env.guard.check(raw)).rejects.toThrowWithCode('VALIDATION_FAILED')
      const [span] = toolSpans()
      expect(span!.name).toBe('execute_tool')
      expect(span!.attributes[A.toolName]).toBeUndefined()
      expect(span!.attributes[A.errorType]).toBe('VALIDATION_FAILED')
      expect(span!.status).toEqual({ code: 2, message: 'VALIDATION_FAILED' })
    })

    it('marks a tool that throws with its error class, not its message', async () => {
      const failing = () => {
        throw new TypeError(`cannot reach ${SECRET}`)
      }
      await expect(
        env.guard.execute(call('accounts.get_balance', { account_number: '4401778812' }), failing),
      ).rejects.toThrow(TypeError)
      const [span] = toolSpans()
      expect(span!.attributes[A.action]).toBe('allow')
      expect(span!.attributes[A.errorType]).toBe('TypeError')
      expect(span!.status).toEqual({ code: 2, message: 'TypeError' })
    })

    it('keeps a tool error name only when it is an identifier (it may carry the input)', async () => {
      const failing = () => {
        const error = new Error('boom')
        error.name = `Bad ${SECRET}`
        throw error
      }
      await expect(
        env.guard.execute(call('accounts.get_balance', { account_number: '4401778812' }), failing),
      ).rejects.toThrow('boom')
      const [span] = toolSpans()
      expect(span!.attributes[A.errorType]).toBe('_OTHER')
      expect(exported(span!)).not.toContain(SECRET)
    })
  })

  describe('tool arguments', () => {
    it('never appear in any span, whatever the call does', async () => {
      const teller = contexts.teller
      await env.guard.execute(call('accounts.get_balance', { account_number: SECRET }), () => 1)
      await env.guard
        .execute(call('payments.transfer', { ...transferArgs(50_000), counterparty: SECRET }), () => 1)
        .catch(() => undefined)
      await env.guard
        .execute(call('accounts.get_balance', { account_number: SECRET }), () => {
          throw new Error(SECRET)
        })
        .catch(() => undefined)
      await env.guard.check({ ...call('x', { a: SECRET }, teller), bogus: SECRET }).catch(() => undefined)
      await env.guard.decide(call('email.send', { to: 'a@example.org', subject: SECRET, body: SECRET }))
      expect(toolSpans().length).toBe(5)
      for (const span of spans()) expect(exported(span)).not.toContain(SECRET)
    })
  })

  describe('configuration', () => {
    it('sends spans to an explicit tracerProvider instead of the global one', async () => {
      const own = new InMemorySpanExporter()
      const ownProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(own)] })
      const guard = guardFor(env.store.ledger, env.policy, {
        chain: `${env.chain}-own`,
        tracing: { tracerProvider: ownProvider },
      })
      await guard.check(call('accounts.get_balance', { account_number: '4401778812' }))
      expect(own.getFinishedSpans().map((s) => s.name)).toContain('execute_tool accounts.get_balance')
      expect(toolSpans()).toHaveLength(0)
      await ownProvider.shutdown()
    })

    it('records no span with tracing: false', async () => {
      const guard = guardFor(env.store.ledger, env.policy, { chain: `${env.chain}-off`, tracing: false })
      await guard.execute(call('accounts.get_balance', { account_number: '4401778812' }), () => 1)
      expect(spans()).toHaveLength(0)
    })
  })
})

describe('without @opentelemetry/api installed', () => {
  it('decides, records and runs as usual, with no tracing at all', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'arbiter-no-otel-'))
    try {
      const out = await runTsxChild('test/guard/fixtures/no-otel-worker.ts', [dataDir, DEFAULT_BUNDLE_PATH])
      expect(JSON.parse(out)).toEqual({
        otel: 'ERR_MODULE_NOT_FOUND',
        ran: 1,
        entries: ['decision:allow', 'outcome:ok'],
      })
    } finally {
      rmSync(dataDir, { recursive: true, force: true })
    }
  }, 300_000)
})
