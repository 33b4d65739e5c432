import type Anthropic from '@anthropic-ai/sdk'
import { beforeEach, describe, expect, it } from 'vitest'
import type { ConflictReport, SessionGuardOptions } from '../../src/adapters/managed-agents/index.js'
import type { Guard } from '../../src/guard/index.js'
import { type StandInServer, step, useStandIn } from '../support/anthropic-stand-in.js'
import { defined, eventually } from '../support/eventually.js'
import { entriesOf, type LedgerStore, usePgliteGuardEnvironment } from '../support/guard-harness.js'
import {
  careSessionGuard,
  confirmations,
  phiEmail,
  readRecord,
  startOnceFollowed,
  statementMail,
  tellerSessionGuard,
} from '../support/session-harness.js'

// One PGlite database and the real policy per file; a fresh chain, guard and stand-in API per test.
const env = usePgliteGuardEnvironment('sessions')
const api = useStandIn()
let store: LedgerStore
let chain: string
let guard: Guard
let standIn: StandInServer
let client: Anthropic
beforeEach(() => {
  ;({ store, chain, guard } = env)
  ;({ standIn, client } = api)
})

const sessionGuardFor = (sessionId: string, extra: Partial<SessionGuardOptions> = {}) =>
  careSessionGuard(client, guard, sessionId, extra)

describe('createSessionGuard', () => {
  it('confirms held tool uses policy allows and denies the rest with the reasons', async () => {
    const sessionId = standIn.createSession([
      step.toolUse({
        as: 'read',
        name: 'read_record',
        mcpServer: 'ehr',
        permission: 'ask',
        input: readRecord,
        result: 'K 6.1',
      }),
      step.toolUse({ as: 'mail', name: 'send', mcpServer: 'email', permission: 'ask', input: phiEmail }),
      step.awaitAction(),
    ])
    const summary = await sessionGuardFor(sessionId).run()
    const session = standIn.session(sessionId)
    const sent = confirmations(session.sent)
    expect(sent).toHaveLength(2)
    expect(sent[0]).toEqual({
      type: 'user.tool_confirmation',
      tool_use_id: session.ids.get('read'),
      result: 'allow',
    })
    expect(sent[1]).toMatchObject({ tool_use_id: session.ids.get('mail'), result: 'deny' })
    expect(String(sent[1]?.deny_message)).toContain('[health.phi_external]')
    expect(summary).toMatchObject({
      decisions: 2,
      confirmations: { allow: 1, deny: 1 },
      outcomes: 2,
      conflicts: 0,
    })

    const entries = await entriesOf(store.ledger, chain)
    const decisions = entries.filter((e) => e.type === 'decision')
    expect(decisions.map((d) => [d.body.event_id, d.body.action])).toEqual([
      [session.ids.get('read'), 'allow'],
      [session.ids.get('mail'), 'deny'],
    ])
    expect(decisions[0]?.body.input).toMatchObject({
      tool: { name: 'ehr.read_record', kind: 'mcp', server: 'ehr' },
      runtime: { decision: 'ask', policy: 'always_ask' },
      session: { id: sessionId },
    })
    const outcome = entries.find(
      (e) => e.type === 'outcome' && e.body.decision_id === decisions[0]?.body.decision_id,
    )
    expect(outcome?.body).toMatchObject({ status: 'runtime_reported' })
  })

  it('runs a custom tool locally through the guard and returns its result', async () => {
    let ran = 0
    const sessionId = standIn.createSession([
      step.customToolUse('ehr.read_record', readRecord, 'read'),
      step.customToolUse('ehr.read_record', { patient_id: 'MRN-005120', purpose: 'treatment' }, 'other'),
      step.awaitAction(),
    ])
    const summary = await sessionGuardFor(sessionId, {
      customTools: {
        'ehr.read_record': { run: (input) => ({ patient: input.patient_id, potassium: 6.1, n: ++ran }) },
      },
    }).run()
    const session = standIn.session(sessionId)
    const results = session.sent.filter((e) => e.type === 'user.custom_tool_result')
    expect(results[0]).toEqual({
      type: 'user.custom_tool_result',
      custom_tool_use_id: session.ids.get('read'),
      content: [{ type: 'text', text: JSON.stringify({ patient: 'MRN-004211', potassium: 6.1, n: 1 }) }],
      is_error: false,
    })
    // No care relationship with this patient: denied, and the tool never ran for it.
    expect(results[1]).toMatchObject({ custom_tool_use_id: session.ids.get('other'), is_error: true })
    expect(JSON.stringify(results[1]?.content)).toContain('health.care_relationship')
    expect(ran).toBe(1)
    // The outcome of the tool run here is counted, like the ones the runtime reports.
    expect(summary).toMatchObject({ customToolResults: 2, decisions: 2, outcomes: 1 })
    const entries = await entriesOf(store.ledger, chain)
    expect(entries.map((e) => `${e.type}:${e.body.action ?? e.body.status}`)).toEqual([
      'decision:allow',
      'outcome:ok',
      'decision:deny',
    ])
    // The outcome carries the vendor event id, so a restart can answer from it.
    expect(entries[1]?.body).toMatchObject({
      decision_id: entries[0]?.body.decision_id,
      event_id: session.ids.get('read'),
    })
  })

  it('records a conflict and interrupts when the runtime auto-allows what policy forbids', async () => {
    const conflicts: ConflictReport[] = []
    const sessionId = standIn.createSession(
      [
        step.toolUse({
          as: 'search',
          name: 'web_search',
          permission: 'allow',
          policy: 'auto',
          input: { query: 'MRN-004211 hyperkalemia' },
        }),
        step.toolUse({
          as: 'safe',
          name: 'web_search',
          permission: 'deny',
          policy: 'auto',
          input: { query: 'hyperkalemia guidelines', deidentified: true },
        }),
      ],
      { startOn: 'manual' },
    )
    const running = sessionGuardFor(sessionId, {
      interruptOnConflict: true,
      onConflict: (c) => {
        conflicts.push(c)
      },
    }).run()
    // Live events of the turn in progress (a turn already over when read is history: see the
    // catch-up tests).
    await startOnceFollowed(standIn, sessionId)
    const summary = await running
    const session = standIn.session(sessionId)
    expect(session.sent.filter((e) => e.type === 'user.interrupt')).toHaveLength(1)
    expect(confirmations(session.sent)).toEqual([])
    expect(conflicts.map((c) => [c.eventId, c.kind, c.interrupted])).toEqual([
      [session.ids.get('search'), 'runtime_allowed_policy_denied', true],
      [session.ids.get('safe'), 'runtime_denied_policy_allowed', false],
    ])
    expect(summary.conflicts).toBe(2)
    const conflict = (await entriesOf(store.ledger, chain)).find((e) => e.type === 'conflict')
    expect(conflict?.body).toMatchObject({
      decision_id: conflicts[0]?.decisionId,
      event_id: session.ids.get('search'),
      kind: 'runtime_allowed_policy_denied',
      runtime: { decision: 'allow', policy: 'auto' },
      policy_action: 'deny',
      interrupted: true,
    })
    const reasons = (conflict?.body.reasons ?? []) as Array<{ rule: string }>
    expect(reasons.map((r) => r.rule)).toContain('health.phi_identifier')
  })

  it('survives a dropped stream and never confirms an event twice, even after a restart', async () => {
    const sessionId = standIn.createSession([
      step.toolUse({ as: 'a', name: 'read_record', mcpServer: 'ehr', permission: 'ask', input: readRecord }),
      step.dropStreams(),
      step.awaitAction(),
      step.toolUse({ as: 'b', name: 'send', mcpServer: 'email', permission: 'ask', input: phiEmail }),
      step.toolUse({ as: 'c', name: 'web_search', permission: 'allow', input: { query: 'MRN-004211' } }),
      step.dropStreams(),
      step.awaitAction(),
      step.message('done'),
    ])
    const summary = await sessionGuardFor(sessionId).run()
    const session = standIn.session(sessionId)
    expect(summary.reconnects).toBeGreaterThanOrEqual(1)
    const ids = confirmations(session.sent).map((e) => e.tool_use_id)
    expect(ids).toEqual([session.ids.get('a'), session.ids.get('b')])
    const before = await entriesOf(store.ledger, chain)
    expect(before.filter((e) => e.type === 'decision')).toHaveLength(3)
    expect(before.filter((e) => e.type === 'conflict')).toHaveLength(1)

    // A new process on the same ledger replays the whole history: nothing is decided or sent again.
    const again = await sessionGuardFor(sessionId).run()
    expect(again).toMatchObject({
      decisions: 0,
      confirmations: { allow: 0, deny: 0 },
      conflicts: 0,
      outcomes: 0,
    })
    expect(confirmations(session.sent)).toHaveLength(2)
    expect(await entriesOf(store.ledger, chain)).toHaveLength(before.length)
  })

  it('after a crash between decision and confirmation, confirms from the recorded decision', async () => {
    const sessionId = standIn.createSession(
      [
        step.toolUse({
          as: 'a',
          name: 'read_record',
          mcpServer: 'ehr',
          permission: 'ask',
          input: readRecord,
        }),
        step.awaitAction(),
      ],
      { startOn: 'manual' },
    )
    const session = standIn.session(sessionId)
    session.start()
    await eventually(() => defined(session.ids.get('a'), 'tool use a'))
    // What the crashed process got done: the decision is in the ledger, no confirmation was sent.
    await guard.check(
      {
        tool: { name: 'ehr.read_record', kind: 'mcp', server: 'ehr' },
        arguments: readRecord,
        agent: { id: 'care-assistant', runtime: 'anthropic-managed-agents' },
        principal: { id: 'dr-chen', roles: ['clinician'] },
        session: { id: sessionId },
        runtime: { decision: 'ask', policy: 'always_ask' },
      },
      { eventId: session.ids.get('a')! },
    )
    // Nothing else follows this session: the recorded decision is answered without waiting.
    const summary = await sessionGuardFor(sessionId, { takeoverMs: 0 }).run()
    expect(summary.decisions).toBe(0)
    expect(confirmations(session.sent)).toEqual([
      { type: 'user.tool_confirmation', tool_use_id: session.ids.get('a'), result: 'allow' },
    ])
    const decisions = (await entriesOf(store.ledger, chain)).filter((e) => e.type === 'decision')
    expect(decisions).toHaveLength(1)
  })

  it('holds a confirmation until a compliance officer approves, then allows', async () => {
    const sessionId = standIn.createSession([statementMail(), step.awaitAction(), step.end('terminated')])
    const run = tellerSessionGuard(client, guard, sessionId).run()
    const pending = await eventually(async () => {
      const open = await guard.approvals.pending()
      defined(open[0], 'an approval request')
      return open
    })
    expect(pending[0]).toMatchObject({ roles: ['compliance_officer'], requestedBy: 'emp-101' })
    expect(confirmations(standIn.session(sessionId).sent)).toEqual([])
    await guard.approvals.approve(pending[0]!.approvalId, { id: 'cco-1', roles: ['compliance_officer'] })
    const summary = await run
    expect(summary.confirmations).toEqual({ allow: 1, deny: 0 })
    expect(confirmations(standIn.session(sessionId).sent)[0]).toMatchObject({ result: 'allow' })
  })

  it('gives up with SESSION_STREAM_FAILED when the API stays unreachable', async () => {
    const sessionId = standIn.createSession([step.message('hello')], { startOn: 'manual' })
    const sessionGuard = sessionGuardFor(sessionId, {
      reconnect: { initialMs: 5, maxMs: 10, maxAttempts: 2 },
    })
    const running = sessionGuard.run()
    // The guard reached the API once; then the API goes away for good.
    await eventually(() =>
      defined(
        standIn.requests.find((r) => r.path.includes(sessionId)),
        'a request',
      ),
    )
    await standIn.close()
    const error = await running.catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'SESSION_STREAM_FAILED' })
    // The last connection error is kept as the cause and named in the message.
    expect((error as Error).cause).toBeInstanceOf(Error)
    expect((error as Error).message).toMatch(/after 2 reconnects: .+/)
  })

  it('stops with SESSION_STREAM_FAILED for an unknown session', async () => {
    await expect(sessionGuardFor('sesn_missing').run()).rejects.toThrowWithCode('SESSION_STREAM_FAILED')
  })
})
