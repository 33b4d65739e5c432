import { describe, expect, it } from 'vitest'
import {
  entryBodySchemas,
  KNOWN_ENTRY_TYPES,
  type KnownEntryType,
  parseEntryBody,
  safeParseEntryBody,
  thisProcess,
  toAnswerRejectedBody,
  toApprovalBody,
  toApprovalRefusedBody,
  toApprovalRequestBody,
  toConflictBody,
  toDecisionBody,
  toOutcomeBody,
  toPolicyLoadedBody,
} from '../../src/entries/index.js'
import type { PolicyEvaluation } from '../../src/policy/index.js'
import { canonicalJson, sha256Hex } from '../../src/shared/index.js'
import { bodyFields, unknownMembers } from '../support/body-fields.js'

const sha = (c: string) => c.repeat(64)
const approver = { id: 'emp-317', roles: ['payments_officer'] }

const evaluation: PolicyEvaluation = {
  decision: {
    action: 'require_approval',
    reasons: [{ rule: 'fintech.four_eyes', message: 'transfers above 10000 USD need 1 approval(s)' }],
    redact: ['/to_account'],
    approval: { roles: ['payments_officer'], count: 1 },
  },
  input: {
    tool: { name: 'payments.transfer', kind: 'client' },
    arguments: { amount: 15_000, to_account: '7730019921' },
    agent: { id: 'fin-assistant', runtime: 'anthropic-messages', model: 'claude-sonnet-4-5' },
    principal: { id: 'emp-204', roles: ['payments_officer'], tenant: 'acme' },
    session: { id: 's-1', thread: 't-1' },
    runtime: { decision: 'ask', policy: 'always_ask' },
    context: { time: '2026-11-23T19:40:02.455Z' },
  },
  bundle: { revision: 'r42', sha256: sha('e'), loadedAt: new Date(0) },
  durationUs: 180.6,
}

/** Per type: a body as Arbiter writes it (through the builder), and ways it can be wrong. */
const cases: {
  [T in KnownEntryType]: { written: unknown; invalid: [string, (b: Record<string, unknown>) => unknown][] }
} = {
  decision: {
    written: toDecisionBody({
      decisionId: 'd-1',
      eventId: 'sevt_1',
      evaluation,
      input: evaluation.input!,
      redactedArguments: { amount: 15_000, to_account: { redacted: `hmac-sha256:${sha('a')}` } },
    }),
    invalid: [
      ['input', ({ input: _, ...rest }) => rest],
      ['action', (b) => ({ ...b, action: 'maybe' })],
      ['bundle.sha256', (b) => ({ ...b, bundle: { revision: 'r42', sha256: 'not-a-digest' } })],
      ['input.principal.id', (b) => ({ ...b, input: { ...(b.input as object), principal: { roles: [] } } })],
      ['reasons.0.rule', (b) => ({ ...b, reasons: [{ message: 'no rule' }] })],
      ['duration_us', (b) => ({ ...b, duration_us: 1.5 })],
    ],
  },
  outcome: {
    written: toOutcomeBody(
      'd-1',
      { status: 'error', eventId: 'sevt_2', durationMs: 12.3456, result: { ok: false }, error: 'offline' },
      true,
    ),
    invalid: [
      ['status', (b) => ({ ...b, status: 'done' })],
      ['decision_id', ({ decision_id: _, ...rest }) => rest],
      ['duration_ms', (b) => ({ ...b, duration_ms: -1 })],
    ],
  },
  approval_request: {
    written: toApprovalRequestBody({
      decisionId: 'd-1',
      approvalId: 'a-1',
      approval: { roles: ['payments_officer'], count: 1 },
      requestedBy: 'emp-204',
      expiresAt: new Date('2026-11-23T19:45:02.456Z'),
    }),
    invalid: [
      ['expires_at', (b) => ({ ...b, expires_at: 'tomorrow' })],
      ['roles', (b) => ({ ...b, roles: [] })],
      ['count', (b) => ({ ...b, count: 0 })],
    ],
  },
  approval: {
    written: toApprovalBody({
      decisionId: 'd-1',
      approvalId: 'a-1',
      verdict: 'approve',
      approver,
      comment: 'ok',
    }),
    invalid: [
      ['verdict', (b) => ({ ...b, verdict: 'yes' })],
      ['approver.roles', (b) => ({ ...b, approver: { id: 'x' } })],
    ],
  },
  approval_refused: {
    written: toApprovalRefusedBody({ decisionId: 'd-1', approvalId: 'a-1', approver, reason: 'four eyes' }),
    invalid: [['approver', ({ approver: _, ...rest }) => rest]],
  },
  conflict: {
    written: toConflictBody({
      decisionId: 'd-1',
      eventId: 'sevt_3',
      kind: 'runtime_allowed_policy_denied',
      runtime: { decision: 'allow', policy: 'always_allow' },
      policyAction: 'deny',
      reasons: [{ rule: 'health.no_external_search', message: 'no web search with patient data' }],
      interrupted: true,
    }),
    invalid: [
      ['kind', (b) => ({ ...b, kind: 'disagreement' })],
      ['interrupted', (b) => ({ ...b, interrupted: 'yes' })],
      ['runtime.decision', (b) => ({ ...b, runtime: { decision: 'maybe' } })],
    ],
  },
  policy_loaded: {
    written: toPolicyLoadedBody({
      bundle: { revision: 'r43', sha256: sha('b') },
      previousSha256: sha('a'),
      reason: 'reload',
      source: 'build/bundle.tar.gz',
      loadedBy: { process: 'arbiter serve', host: 'app-1', pid: 4711 },
    }),
    invalid: [
      ['previous_sha256', ({ previous_sha256: _, ...rest }) => rest],
      ['reason', (b) => ({ ...b, reason: 'restart' })],
      ['loaded_by.pid', (b) => ({ ...b, loaded_by: { process: 'p', host: 'h', pid: '1' } })],
    ],
  },
  runtime_event: {
    written: toAnswerRejectedBody({
      sessionId: 'sesn_1',
      eventId: 'sevt_4',
      decisionId: 'd-1',
      answer: 'user.tool_confirmation',
      result: 'deny',
      status: 400,
      errorType: 'invalid_request_error',
      message: 'tool use sevt_4 is already confirmed',
      requestId: 'req_1',
    }),
    invalid: [
      ['kind', (b) => ({ ...b, kind: 'something_else' })],
      ['status', (b) => ({ ...b, status: '400' })],
      ['event_id', ({ event_id: _, ...rest }) => rest],
    ],
  },
}

/** The body with every optional member (at any depth) removed: what an older writer may have left out. */
function requiredOnly(type: KnownEntryType, body: unknown): unknown {
  const optional = new Set(
    bodyFields(entryBodySchemas[type])
      .filter((f) => f.required === 'no')
      .map((f) => f.field),
  )
  const strip = (value: unknown, prefix: string): unknown => {
    if (Array.isArray(value)) return value.map((item) => strip(item, `${prefix}[].`))
    if (typeof value !== 'object' || value === null) return value
    const out: Record<string, unknown> = {}
    for (const [key, member] of Object.entries(value)) {
      if (!optional.has(`${prefix}${key}`))
        out[key] = key === 'arguments' ? member : strip(member, `${prefix}${key}.`)
    }
    return out
  }
  return strip(body, '')
}

describe.each(KNOWN_ENTRY_TYPES.map((type) => [type] as const))('%s body', (type) => {
  const { written, invalid } = cases[type]
  const body = written as Record<string, unknown>

  it('parses as written by its builder, unchanged', () => {
    expect(parseEntryBody(type, written)).toEqual(written)
  })

  it('is written with no member the schema does not name (writers are exact)', () => {
    expect(unknownMembers(entryBodySchemas[type], written)).toEqual([])
  })

  it('reads a body with a member a newer version added, and keeps it', () => {
    const newer = { ...body, added_later: { x: 1 } }
    const parsed = parseEntryBody(type, newer) as Record<string, unknown>
    expect(parsed.added_later).toEqual({ x: 1 })
  })

  it('reads a body with only the required members (an older or leaner writer)', () => {
    const lean = requiredOnly(type, written)
    expect(safeParseEntryBody(type, lean)).toEqual({ ok: true, body: lean })
  })

  it.each(invalid)('refuses a body with a bad %s (ENTRY_BODY_INVALID naming the path)', (path, mutate) => {
    const parsed = safeParseEntryBody(type, mutate(body), { chain: 'default', seq: 7 })
    expect(parsed.ok).toBe(false)
    if (parsed.ok) return
    expect(parsed.error.code).toBe('ENTRY_BODY_INVALID')
    expect(parsed.error.type).toBe(type)
    expect(parsed.error.issues.map((i) => i.path)).toContain(path)
    expect(parsed.error.message).toMatch(new RegExp(`^${type} body at default#7 does not match its schema: `))
  })

  it('refuses what is not an object at all', () => {
    for (const value of [null, 'text', 42, [], undefined])
      expect(() => parseEntryBody(type, value)).toThrowWithCode('ENTRY_BODY_INVALID')
  })
})

describe('nested members a newer version added', () => {
  it('are kept inside the decision input, reasons and bundle', () => {
    const body = cases.decision.written as Record<string, unknown>
    const input = body.input as Record<string, unknown>
    const newer = {
      ...body,
      input: { ...input, tool: { ...(input.tool as object), description: 'moves money' }, extra: true },
      reasons: [{ rule: 'r', message: 'm', severity: 'high' }],
      bundle: { revision: 'r42', sha256: sha('e'), signed: true },
    }
    const parsed = parseEntryBody('decision', newer)
    expect(parsed.input.tool).toMatchObject({ description: 'moves money' })
    expect(parsed.input).toMatchObject({ extra: true })
    expect(parsed.reasons[0]).toMatchObject({ severity: 'high' })
    expect(parsed.bundle).toMatchObject({ signed: true })
  })
})

describe('toDecisionBody', () => {
  it('records the redacted arguments, the redacted paths, the bundle and a whole number of microseconds', () => {
    const body = cases.decision.written as ReturnType<typeof toDecisionBody>
    expect(body.input.arguments).toEqual({
      amount: 15_000,
      to_account: { redacted: `hmac-sha256:${sha('a')}` },
    })
    expect(body.redacted).toEqual(['/to_account'])
    expect(body.bundle).toEqual({ revision: 'r42', sha256: sha('e') })
    expect(body.duration_us).toBe(181)
    expect(body.approval).toEqual({ roles: ['payments_officer'], count: 1 })
  })

  it('leaves out event_id and approval when there are none', () => {
    const body = toDecisionBody({
      decisionId: 'd-2',
      evaluation: { ...evaluation, decision: { action: 'allow', reasons: [] } },
      input: evaluation.input!,
      redactedArguments: {},
    })
    expect(body).not.toHaveProperty('event_id')
    expect(body).not.toHaveProperty('approval')
    expect(body.redacted).toEqual([])
  })
})

describe('toOutcomeBody', () => {
  it('hashes the canonical result, and stores it only when results are recorded', () => {
    const result = { b: 2, a: 1 }
    const hashed = toOutcomeBody('d-1', { status: 'ok', result }, false)
    expect(hashed).toEqual({
      decision_id: 'd-1',
      status: 'ok',
      result_sha256: sha256Hex(canonicalJson(result)),
    })
    expect(toOutcomeBody('d-1', { status: 'ok', result }, true).result).toEqual(result)
  })

  it('hashes a result JSON cannot carry through its string form, so the outcome is still written', () => {
    const result = () => 'not json'
    const body = toOutcomeBody('d-1', { status: 'ok', result }, true)
    expect(body.result_sha256).toBe(sha256Hex(String(result)))
    expect(body.result).toBe(String(result))
  })

  it('rounds the duration to microseconds', () => {
    expect(toOutcomeBody('d-1', { status: 'ok', durationMs: 1.23456 }, false).duration_ms).toBe(1.235)
  })
})

describe('toApprovalBody', () => {
  it('writes a timeout without an approver', () => {
    expect(toApprovalBody({ decisionId: 'd-1', approvalId: 'a-1', verdict: 'timeout' })).toEqual({
      decision_id: 'd-1',
      approval_id: 'a-1',
      verdict: 'timeout',
    })
  })
})

describe('thisProcess', () => {
  it('names the program, this host and this process id', () => {
    expect(thisProcess('arbiter serve')).toEqual({
      process: 'arbiter serve',
      host: expect.any(String),
      pid: process.pid,
    })
  })
})
