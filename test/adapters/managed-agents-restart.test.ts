import { describe, expect, it, vi } from 'vitest'
import type { ConflictReport, SessionCustomTool } from '../../src/adapters/managed-agents/index.js'
import { step, useStandIn } from '../support/anthropic-stand-in.js'
import { entriesOf, guardFor, usePgliteGuardEnvironment } from '../support/guard-harness.js'
import { careSessionGuard, careStep, confirmations, readRecord } from '../support/session-harness.js'

// A session guard that starts on a session already under way (a restart, a late start): what it
// finds in the history is answered from the ledger, never run or interrupted a second time.
const env = usePgliteGuardEnvironment('session-restart')
const api = useStandIn()

const interrupts = (sent: Record<string, unknown>[]) => sent.filter((e) => e.type === 'user.interrupt')

describe.each([
  ['kept (recordResults)', true],
  ['not kept', false],
])('after a crash between running a custom tool and answering, result %s', (_label, recordResults) => {
  it('answers from the recorded ok outcome and does not run the tool again', async () => {
    const { standIn, client } = api
    const guard = guardFor(env.store.ledger, env.policy, { chain: env.chain, recordResults })
    let runs = 0
    const customTools: Record<string, SessionCustomTool> = {
      'ehr.read_record': { run: (input) => ({ patient: input.patient_id, potassium: 6.1, run: ++runs }) },
    }
    const sessionId = standIn.createSession([
      step.customToolUse('ehr.read_record', readRecord, 'read'),
      step.awaitAction(),
    ])
    const session = standIn.session(sessionId)
    // The answer is lost (the API is down when it is sent) and the process gives up, as a crash would.
    session.refuseSends(1, 503)
    const crashed = await careSessionGuard(client, guard, sessionId, {
      customTools,
      reconnect: { initialMs: 5, maxAttempts: 0 },
    })
      .run()
      .catch((e: unknown) => e)
    expect(crashed).toMatchObject({ code: 'SESSION_STREAM_FAILED', cause: { status: 503 } })
    expect(runs).toBe(1)

    // A new process on the same ledger (nothing else follows the session: no need to wait).
    const summary = await careSessionGuard(client, guard, sessionId, { customTools, takeoverMs: 0 }).run()
    expect(runs).toBe(1)
    expect(summary).toMatchObject({ decisions: 0, outcomes: 0, customToolResults: 1 })
    const readId = session.ids.get('read')
    const answers = session.sent.filter((e) => e.type === 'user.custom_tool_result')
    expect(answers).toEqual([
      {
        type: 'user.custom_tool_result',
        custom_tool_use_id: readId,
        is_error: false,
        content: [
          {
            type: 'text',
            // The stored result is what the ledger may hold: the patient id was scrubbed before storage.
            text: recordResults
              ? JSON.stringify({ patient: '[redacted]', potassium: 6.1, run: 1 })
              : expect.stringContaining('already ran (recorded outcome: ok) and was not run again'),
          },
        ],
      },
    ])
    const entries = await entriesOf(env.store.ledger, env.chain)
    expect(entries.map((e) => `${e.type}:${e.body.action ?? e.body.status}`)).toEqual([
      'decision:allow',
      'outcome:ok',
    ])
    expect(entries[1]?.body.event_id).toBe(readId)
  })
})

describe('catching up on a session under way', () => {
  it('records a conflict of an ended turn without interrupting the turn in progress', async () => {
    const { standIn, client } = api
    const sessionId = standIn.createSession(
      [careStep.phiSearch(), step.endTurn(), careStep.heldRead(), step.awaitAction()],
      { startOn: 'manual' },
    )
    const session = standIn.session(sessionId)
    session.start()
    // Turn 1 (with the search policy forbids) ends before any guard runs; the user starts turn 2,
    // which waits on a held record read.
    await vi.waitFor(() =>
      expect(session.history.some((e) => (e.stop_reason as { type?: string })?.type === 'end_turn')).toBe(
        true,
      ),
    )
    await client.beta.sessions.events.send(sessionId, {
      events: [{ type: 'user.message', content: [{ type: 'text', text: 'And the latest labs?' }] }],
    })
    await vi.waitFor(() => expect(session.ids.get('read')).toBeDefined())

    const conflicts: ConflictReport[] = []
    const summary = await careSessionGuard(client, env.guard, sessionId, {
      interruptOnConflict: true,
      onConflict: (c) => {
        conflicts.push(c)
      },
    }).run()
    expect(interrupts(session.sent)).toEqual([])
    expect(conflicts.map((c) => [c.eventId, c.kind, c.interrupted])).toEqual([
      [session.ids.get('search'), 'runtime_allowed_policy_denied', false],
    ])
    expect(confirmations(session.sent)).toEqual([
      { type: 'user.tool_confirmation', tool_use_id: session.ids.get('read'), result: 'allow' },
    ])
    expect(summary).toMatchObject({ decisions: 2, conflicts: 1, confirmations: { allow: 1, deny: 0 } })
    const conflict = (await entriesOf(env.store.ledger, env.chain)).find((e) => e.type === 'conflict')
    expect(conflict?.body).toMatchObject({ event_id: session.ids.get('search'), interrupted: false })
  })

  it('still interrupts for a conflict of the turn in progress', async () => {
    const { standIn, client } = api
    const sessionId = standIn.createSession([careStep.phiSearch(), careStep.heldRead(), step.awaitAction()], {
      startOn: 'manual',
    })
    const session = standIn.session(sessionId)
    session.start()
    await vi.waitFor(() => expect(session.ids.get('read')).toBeDefined())
    const summary = await careSessionGuard(client, env.guard, sessionId, { interruptOnConflict: true }).run()
    expect(interrupts(session.sent)).toHaveLength(1)
    expect(summary.conflicts).toBe(1)
    const conflict = (await entriesOf(env.store.ledger, env.chain)).find((e) => e.type === 'conflict')
    expect(conflict?.body).toMatchObject({ event_id: session.ids.get('search'), interrupted: true })
  })
})
