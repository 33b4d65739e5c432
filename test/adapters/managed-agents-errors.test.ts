import Anthropic from '@anthropic-ai/sdk'
import { describe, expect, it, vi } from 'vitest'
import { step, useStandIn } from '../support/anthropic-stand-in.js'
import { entriesOf, usePgliteGuardEnvironment } from '../support/guard-harness.js'
import {
  careSessionGuard,
  confirmations,
  otherSdk,
  statementMail,
  tellerSessionGuard,
} from '../support/session-harness.js'

// API failures against the stand-in, with the real SDK (Arbiter's copy, or a second copy as an
// application may bundle): permanent errors stop the guard at once with their cause; an answer the
// runtime refuses is evidence, not the end of guarding.
const env = usePgliteGuardEnvironment('session-errors')
const api = useStandIn()

/** A client built from the application's own copy of the SDK (not the classes Arbiter imports). */
const foreignClient = (apiKey = 'test') =>
  new otherSdk.Anthropic({ apiKey, baseURL: api.standIn.url, maxRetries: 0 })

/** Requests the stand-in received for one session. */
const requestsFor = (sessionId: string) => api.standIn.requests.filter((r) => r.path.includes(sessionId))

describe('createSessionGuard with a client from another copy of the SDK', () => {
  it('precondition: its API errors are not instances of the SDK classes Arbiter imports', async () => {
    const error = await foreignClient()
      .beta.sessions.events.list('sesn_missing')
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(otherSdk.APIError)
    expect(error).not.toBeInstanceOf(Anthropic.APIError)
    expect(error).toMatchObject({ status: 404 })
  })

  it('stops at the first 404 for an unknown session, with the API error as cause', async () => {
    const error = await careSessionGuard(foreignClient(), env.guard, 'sesn_missing', {
      reconnect: { initialMs: 20, maxMs: 50, maxAttempts: 8 },
    })
      .run()
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'SESSION_STREAM_FAILED', cause: { status: 404 } })
    expect((error as Error).message).toContain('session sesn_missing not found')
    // Not retried: one request (opening the stream) and no reconnects.
    expect(requestsFor('sesn_missing')).toHaveLength(1)
  })

  it('stops at the first 401 when the key is refused, with the API error as cause', async () => {
    const sessionId = api.standIn.createSession([step.message('hello')])
    api.standIn.rejectApiKey('revoked-key')
    const error = await careSessionGuard(foreignClient('revoked-key'), env.guard, sessionId, {
      reconnect: { initialMs: 20, maxMs: 50, maxAttempts: 8 },
    })
      .run()
      .catch((e: unknown) => e)
    expect(error).toMatchObject({
      code: 'SESSION_STREAM_FAILED',
      cause: { status: 401, type: 'authentication_error' },
    })
    expect((error as Error).message).toContain('invalid API key')
    expect(requestsFor(sessionId)).toHaveLength(1)
  })
})

describe('when the runtime refuses an answer', () => {
  it('records the refusal as a runtime_event and keeps guarding the rest of the session', async () => {
    const { standIn, client } = api
    const { guard } = env
    const sessionId = standIn.createSession([
      statementMail(),
      step.awaitAction(),
      step.toolUse({
        as: 'balance',
        name: 'get_balance',
        mcpServer: 'accounts',
        permission: 'ask',
        input: { account_number: '4401778812' },
        result: '1,200.00 USD',
      }),
      step.awaitAction(),
    ])
    const session = standIn.session(sessionId)
    const running = tellerSessionGuard(client, guard, sessionId).run()
    // The e-mail waits for a compliance officer in Arbiter…
    const [pending] = await vi.waitFor(async () => {
      const open = await guard.approvals.pending()
      expect(open).toHaveLength(1)
      return open
    })
    // …while a person answers it first in the vendor console (another client of the same API).
    const mailId = session.ids.get('mail')!
    await foreignClient('console-key').beta.sessions.events.send(sessionId, {
      events: [
        { type: 'user.tool_confirmation', tool_use_id: mailId, result: 'deny', deny_message: 'sent by hand' },
      ],
    })
    await guard.approvals.approve(pending!.approvalId, { id: 'cco-1', roles: ['compliance_officer'] })
    const summary = await running

    expect(session.rejected).toEqual([
      {
        event: { type: 'user.tool_confirmation', tool_use_id: mailId, result: 'allow' },
        status: 400,
        message: `tool use ${mailId} was already confirmed`,
      },
    ])
    // Guarding went on: the balance lookup held after it was decided and confirmed.
    const balanceId = session.ids.get('balance')
    expect(confirmations(session.sent).map((e) => [e.tool_use_id, e.result])).toEqual([
      [mailId, 'deny'],
      [balanceId, 'allow'],
    ])
    expect(summary).toMatchObject({ decisions: 2, rejectedAnswers: 1, confirmations: { allow: 1, deny: 0 } })

    const entries = await entriesOf(env.store.ledger, env.chain)
    const mailDecision = entries.find((e) => e.type === 'decision' && e.body.event_id === mailId)
    expect(entries.find((e) => e.type === 'runtime_event')?.body).toEqual({
      kind: 'answer_rejected',
      session_id: sessionId,
      event_id: mailId,
      decision_id: mailDecision?.body.decision_id,
      answer: 'user.tool_confirmation',
      result: 'allow',
      status: 400,
      error_type: 'invalid_request_error',
      message: `tool use ${mailId} was already confirmed`,
      request_id: expect.stringMatching(/^req_standin_/),
    })
    // What the runtime did instead is linked to Arbiter's decision as its outcome.
    const outcome = entries.find(
      (e) => e.type === 'outcome' && e.body.decision_id === mailDecision?.body.decision_id,
    )
    expect(outcome?.body).toMatchObject({ status: 'runtime_reported', error: 'sent by hand' })
  })
})
