// The attack: a hostile agent (or a careless tool) puts secrets and personal identifiers into every
// field of a call, hoping one path carries them into the permanent ledger, an API response or a log.
// Every detector of policies/data.json and every field-name list is fed through every field, over HTTP
// and in process; then the exports, every response body, the denial errors and the log lines are
// searched for the raw values.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createSessionGuard } from '../../src/adapters/managed-agents/index.js'
import { healthToolName } from '../../src/demo/scenarios/health.js'
import { createGuard, type Guard, ToolDeniedError } from '../../src/guard/index.js'
import { createLogger } from '../../src/shared/index.js'
import { type ServerFixture, startServerFixture, transferCall } from '../server/server-fixture.js'
import { type StandInServer, step, useStandIn } from '../support/anthropic-stand-in.js'
import { backendFactories, type TestBackend } from '../support/backends.js'
import { loadBrokenPolicy, redactionKey } from '../support/guard-harness.js'
import { runCliCaptured } from '../support/run-cli.js'
import {
  credentialFields,
  detectors,
  fieldObject,
  fieldValue,
  leaks,
  numberFieldObject,
  numberSamples,
  patternSamples,
  samples,
} from './secrets.samples.js'

const api = useStandIn()

const base = {
  tool: { name: 'web.search', kind: 'client' },
  agent: { id: 'fin-assistant', runtime: 'anthropic', model: 'claude-sonnet-4-5' },
  principal: { id: 'emp-101', roles: ['teller'], tenant: 'acme' },
  session: { id: 'sess-attack' },
}
type Call = typeof base & Record<string, unknown>
const call = (args: Record<string, unknown>, extra: Record<string, unknown> = {}): Call => ({
  ...base,
  arguments: args,
  ...extra,
})

/** Every sample at every argument position: own field, inside free text, nested, in arrays, as numbers. */
function everyArgumentPosition(): Record<string, unknown> {
  return {
    query: 'exchange rates',
    ...Object.fromEntries(samples.map((s, i) => [`p${i}`, s])),
    prose: samples.map((s) => `please use ${s} for this`),
    nested: { deep: { list: samples.map((v) => ({ v })) } },
    numbers: { list: numberSamples, one: numberSamples[0] },
    profile: fieldObject(),
    numeric: numberFieldObject(),
  }
}

/** A text holding every sample and the field values of `fields` as words. */
const textWithEverything = (prefix: string, fields: readonly string[] = []) =>
  `${prefix}: ${samples.join(' and ')}; also ${fields.map(fieldValue).join(', ')}.`

const identityPositions: ReadonlyArray<(c: Call, v: string) => Call> = [
  (c, v) => ({ ...c, agent: { ...c.agent, id: v } }),
  (c, v) => ({ ...c, agent: { ...c.agent, model: v } }),
  (c, v) => ({ ...c, agent: { ...c.agent, runtime: v } }),
  (c, v) => ({ ...c, principal: { ...c.principal, id: v } }),
  (c, v) => ({ ...c, principal: { ...c.principal, tenant: v } }),
  (c, v) => ({ ...c, principal: { ...c.principal, roles: ['teller', v] } }),
  (c, v) => ({ ...c, session: { id: v, thread: 't' } }),
  (c, v) => ({ ...c, session: { id: 's', thread: v } }),
  (c, v) => ({ ...c, tool: { name: v, kind: 'client' } }),
  (c, v) => ({ ...c, tool: { name: 'web.search', kind: 'mcp', server: v } }),
  (c, v) => ({ ...c, runtime: { decision: 'allow', policy: v } }),
]

it('has samples for every detector in policies/data.json, each caught whole', () => {
  for (const detector of detectors) {
    const values = patternSamples[detector.name]
    expect(values, `samples for ${detector.name}`).toBeDefined()
    // Test-only: data.json's patterns are simple enough to read the same in JavaScript and RE2.
    for (const value of values!) expect(new RegExp(detector.regex).exec(value)?.[0]).toBe(value)
  }
  expect(credentialFields.length).toBeGreaterThan(0)
})

describe.each(backendFactories)('nothing sensitive leaves Arbiter, on %s', (_name, createBackend) => {
  let backend: TestBackend
  let server: ServerFixture
  const logLines: string[] = []
  const seen = new Map<string, string>()
  let standIn: StandInServer

  beforeEach(async () => {
    ;({ standIn } = api)
    logLines.length = 0
    seen.clear()
    backend = await createBackend()
    const logger = createLogger({
      level: 'trace',
      destination: { write: (line: string) => void logLines.push(line) },
    })
    server = await startServerFixture(backend, { approvalTimeoutMs: 60_000 }, { logger })
  })
  afterEach(async () => {
    await server?.close().catch(() => undefined)
    await backend?.dispose()
  })

  /** Calls the API and keeps the response body for the final search. */
  const http = async (path: string, init: Parameters<ServerFixture['call']>[1] = {}) => {
    const res = await server.call(path, init)
    const text = await res.text()
    seen.set(`${init.method ?? 'GET'} ${path} #${seen.size}`, text)
    return { status: res.status, text, json: () => JSON.parse(text) as Record<string, unknown> }
  }
  // Over HTTP the agent and roles must lie within the key's binding (docs/trust-model.md): a trusted
  // front-end key per agent asserts the end users. A call naming another agent, or a role no key may
  // assert (a sample in an identity position), goes through the in-process guard on the same ledger.
  const assertable = ['teller', 'payments_officer', 'trader', 'clinician']
  const agentKeys = new Map<string, string>()
  const keyFor = async (agentId: string) => {
    if (!['fin-assistant', 'care-assistant'].includes(agentId)) return undefined
    const existing = agentKeys.get(agentId)
    if (existing) return existing
    const created = await server.composed.keys.create({
      role: 'agent',
      name: `${agentId} front end`,
      identity: agentId,
      frontEnd: true,
      assertRoles: assertable,
    })
    agentKeys.set(agentId, created.key)
    return created.key
  }
  const decide = async (body: object) => {
    // Test calls are built from `base`; only the agent id and roles are read here.
    const who = body as { agent: { id: string }; principal: { roles: string[] } }
    const key = await keyFor(who.agent.id)
    if (!key || !who.principal.roles.every((r) => assertable.includes(r))) {
      const recorded = await server.composed.guard.decide(body)
      const status = { allow: 'allowed', deny: 'denied', require_approval: 'pending' }[
        recorded.decision.action
      ]
      seen.set(`in-process decide #${seen.size}`, JSON.stringify(recorded.decision))
      return { decision_id: recorded.decisionId, status, reasons: [...recorded.decision.reasons] }
    }
    const res = await http('/v1/decisions', { method: 'POST', key, body })
    expect(res.status, res.text).toBe(200)
    return res.json() as { decision_id: string; status: string; reasons: Array<{ message: string }> }
  }

  it('from arguments, context, identities, approvals, outcomes and conflicts', async () => {
    const guard = server.composed.guard
    // 1. Arguments: every sample and field at every position; the secrets rules deny and redact.
    const denied = await decide(call(everyArgumentPosition()))
    expect(denied.status).toBe('denied')
    // Values in messages: an SSN as the amount, an IBAN as the currency, an account number as a number.
    await decide(transferCall(0, ['teller'], { amount: '123-45-6789', currency: 'DE89370400440532013000' }))
    const limit = await decide(transferCall(4401778812, ['teller']))
    expect(limit.reasons.map((r) => r.message)).toContain(
      'transfer of the amount exceeds the 10000 USD limit of principal emp-101',
    )
    await decide({
      ...transferCall(10, ['trader']),
      tool: { name: 'trading.place_order', kind: 'client' },
      arguments: { symbol: 'MRN-771204', side: '123-45-6789', quantity: 99887766554433 },
    })
    await decide({
      ...transferCall(10, ['clinician']),
      agent: { id: 'care-assistant', runtime: 'anthropic' },
      principal: { id: 'dr-chen', roles: ['clinician'] },
      tool: { name: 'ehr.read_record', kind: 'client' },
      arguments: { patient_id: 'MRN-771204', purpose: '123-45-6789' },
    })

    // 2. Context: strings, prose, nesting, numbers and field names.
    const context = {
      ...everyArgumentPosition(),
      ...fieldObject(),
      time: 'ignored: Arbiter sets it',
    }
    expect((await decide(call({ query: 'q' }, { context }))).status).toBe('allowed')

    // 3. Identity strings: every sample in every position.
    for (const position of identityPositions)
      for (const sample of samples) await decide(position(call({ query: 'q' }), sample))

    // 4. Outcome over HTTP: the error text repeats the samples and the decision's redacted field values.
    const balanceArgs = { ...fieldObject(), ...Object.fromEntries(credentialFields.map((f) => [f, ''])) }
    const fields = Object.keys(balanceArgs).filter((f) => !credentialFields.includes(f))
    const allowed = await decide({
      ...call(balanceArgs),
      tool: { name: 'accounts.get_balance', kind: 'client' },
    })
    expect(allowed.status).toBe('allowed')
    const posted = await http(`/v1/decisions/${allowed.decision_id}/outcome`, {
      method: 'POST',
      key: agentKeys.get('fin-assistant')!,
      body: { status: 'error', error: textWithEverything('backend refused', fields) },
    })
    expect(posted.status, posted.text).toBe(200)

    // 5. In process: a tool error that echoes everything, and denials as ToolDeniedError.
    const run = () => {
      throw new Error(textWithEverything('core banking said', fields))
    }
    const inProcess = { ...call(balanceArgs), tool: { name: 'accounts.get_balance', kind: 'client' } }
    await expect(guard.execute(inProcess, run)).rejects.toThrow('core banking said')
    const deniedErrors: string[] = []
    for (const attempt of [
      call(everyArgumentPosition()),
      identityPositions[0]!(call({ q: 1 }), samples[0]!),
    ]) {
      const error = await guard.execute(attempt, () => 'ran').catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ToolDeniedError)
      deniedErrors.push((error as ToolDeniedError).message, JSON.stringify(error))
    }

    // 6. Approvals: comments that repeat the samples and the decision's redacted fields.
    const pendingTransfer = transferCall(50_000, ['payments_officer'], {
      from_account: fieldValue('from_account'),
      to_account: fieldValue('to_account'),
      memo: 'invoice 2291',
    })
    const pending = await decide({ ...pendingTransfer, session: { id: 'sess-approve' } })
    expect(pending.status).toBe('pending')
    const approvalIdOf = async (session: string) => {
      const { approvals } = (
        await http('/v1/approvals?status=pending', { key: server.keys.auditor })
      ).json() as {
        approvals: Array<{ approval_id: string; decision: { body: { input: { session: { id: string } } } } }>
      }
      return approvals.find((a) => a.decision.body.input.session.id === session)?.approval_id
    }
    const approve = await http(`/v1/approvals/${await approvalIdOf('sess-approve')}`, {
      method: 'POST',
      key: server.keys.approver,
      body: { verdict: 'approve', comment: textWithEverything('ok', ['from_account', 'to_account']) },
    })
    expect(approve.status, approve.text).toBe(200)
    // A denial with such a comment reaches the in-process caller as a reason.
    const waiting = guard
      .execute({ ...pendingTransfer, session: { id: 'sess-deny' } }, () => 'ran')
      .catch((e: unknown) => e)
    let denyId: string | undefined
    await vi.waitFor(async () => {
      denyId = await approvalIdOf('sess-deny')
      expect(denyId).toBeDefined()
    })
    await http(`/v1/approvals/${denyId}`, {
      method: 'POST',
      key: server.keys.approver,
      body: { verdict: 'deny', comment: textWithEverything('no', ['from_account', 'to_account']) },
    })
    const refusal = await waiting
    expect(refusal).toBeInstanceOf(ToolDeniedError)
    deniedErrors.push((refusal as ToolDeniedError).message)
    expect((refusal as ToolDeniedError).message).toContain('approval denied by officer-2: no: [redacted]')

    // 7. A conflict: the vendor runtime ran, on its own, a call carrying every sample.
    const sessionId = standIn.createSession([
      step.toolUse({
        name: 'web_search',
        permission: 'allow',
        policy: 'auto',
        input: { query: textWithEverything('lookup') },
      }),
    ])
    await createSessionGuard({
      client: api.client,
      guard,
      sessionId,
      agent: { id: 'fin-assistant', runtime: 'anthropic-managed-agents' },
      principal: { id: 'emp-101', roles: ['teller'] },
      toolName: healthToolName,
      reconnect: { initialMs: 20, maxMs: 100 },
    }).run()

    // 8. When the policy itself fails, nothing says what to hide: all arguments and context are.
    const broken = await loadBrokenPolicy()
    try {
      const failing: Guard = createGuard({
        policy: broken,
        ledger: server.ledger,
        redactionKey,
        chain: 'broken',
      })
      const verdict = await failing.check(call(everyArgumentPosition(), { context }))
      expect(verdict.kind).toBe('deny')
    } finally {
      await broken.close()
    }

    // Every reader: the API (entries, each entry, approvals, conflicts, export) and the CLI export.
    type Page = { entries: Array<{ chain: string; seq: number }>; next_cursor: string | null }
    let cursor: string | null = null
    do {
      const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''
      const page = (await http(`/v1/entries?limit=100${query}`, { key: server.keys.auditor })).json() as Page
      for (const entry of page.entries)
        await http(`/v1/entries/${entry.chain}/${entry.seq}`, { key: server.keys.auditor })
      cursor = page.next_cursor
    } while (cursor)
    await http('/v1/entries?limit=500&chain=broken', { key: server.keys.auditor })
    await http('/v1/approvals?status=all', { key: server.keys.auditor })
    await http('/v1/conflicts', { key: server.keys.auditor })
    const jsonl = (await http('/v1/export?format=jsonl', { key: server.keys.auditor })).text
    await http('/v1/export?format=csv', { key: server.keys.auditor })
    await http('/v1/export?format=jsonl&chain=broken', { key: server.keys.auditor })
    await server.close()

    const where = backend.databaseUrl
      ? ['--database-url', backend.databaseUrl]
      : ['--data-dir', backend.dataDir!]
    for (const format of ['jsonl', 'csv']) {
      const exported = await runCliCaptured('export', '--format', format, ...where)
      expect(exported.code, exported.stderr).toBe(0)
      seen.set(`arbiter export --format ${format}`, exported.stdout)
      seen.set(`arbiter export --format ${format} (stderr)`, exported.stderr)
    }
    seen.set('ToolDeniedError', deniedErrors.join('\n'))
    seen.set('logs', logLines.join(''))

    // The search could not pass vacuously: everything above was recorded, redacted and logged.
    const exported = seen.get('arbiter export --format jsonl')!
    const types = exported
      .split('\n')
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { type: string }).type)
    expect(types.filter((t) => t === 'decision').length).toBeGreaterThan(
      samples.length * identityPositions.length,
    )
    for (const type of ['outcome', 'approval', 'conflict']) expect(types).toContain(type)
    expect(jsonl).toContain('hmac-sha256:')
    expect(jsonl).toMatch(/"error":"backend refused: \[redacted\]/)
    expect(jsonl).toMatch(/"error":"core banking said: \[redacted\]/)
    expect(jsonl).toMatch(/"comment":"ok: \[redacted\]/)
    expect(exported).toContain('"redacted_input":')
    expect(logLines.some((l) => l.includes('http request'))).toBe(true)

    expect(leaks(seen)).toEqual([])
  }, 240_000)
})
