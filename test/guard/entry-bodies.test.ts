import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { createApprovalDesk } from '../../src/guard/index.js'
import { contexts, guardFor, transferArgs, usePgliteGuardEnvironment } from '../support/guard-harness.js'

// Bodies written around the guard (an older version, another tool, a bug) must never crash a reader
// or count as something they are not: a request is a typed error, a vote or decision is skipped and
// the skip is logged with a count.

/** A real pino logger whose warnings land in `lines`. */
function capturingLogger() {
  const lines: { msg: string; skipped?: number; first?: string[] }[] = []
  const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line)) })
  return { lines, logger }
}

const env = usePgliteGuardEnvironment('bodies')
const officerCall = (amount: number) => ({
  tool: { name: 'payments.transfer', kind: 'client' as const },
  arguments: transferArgs(amount),
  ...contexts.officer,
})
/** An entry type as a plain string: the guard then takes any object body, as an old writer would. */
const raw = (type: string) => type

describe('approval entries whose body does not match', () => {
  it('ignores a malformed vote, warns with the count, and still counts a valid one', async () => {
    const { lines, logger } = capturingLogger()
    const desk = createApprovalDesk({ ledger: env.store.ledger, chain: env.chain, logger })
    const recorded = await env.guard.decide(officerCall(40_000))
    const approvalId = await env.guard.requestApproval(recorded)
    // No roles: an approver the four-eyes rules cannot check.
    await env.guard.record(raw('approval'), {
      decision_id: recorded.decisionId,
      approval_id: approvalId,
      verdict: 'approve',
      approver: { id: 'emp-317' },
    })
    expect(await desk.status(approvalId)).toMatchObject({ state: 'pending', approvedBy: [] })
    expect(lines).toEqual([
      expect.objectContaining({
        msg: 'approval desk: skipped 1 ledger entry whose body does not match its schema',
        skipped: 1,
        first: [
          expect.stringMatching(
            /^approval body at bodies-\d+#\d+ does not match its schema: approver\.roles/,
          ),
        ],
      }),
    ])
    await desk.approve(approvalId, { id: 'emp-317', roles: ['payments_officer'] })
    expect(await desk.status(approvalId)).toMatchObject({ state: 'approved' })
  })

  it('answers a malformed request with ENTRY_BODY_INVALID and leaves it out of the pending list', async () => {
    const { lines, logger } = capturingLogger()
    const desk = createApprovalDesk({ ledger: env.store.ledger, chain: env.chain, logger })
    const good = await env.guard.requestApproval(await env.guard.decide(officerCall(40_000)))
    const other = await env.guard.decide(officerCall(50_000))
    await env.guard.record(raw('approval_request'), {
      decision_id: other.decisionId,
      approval_id: 'bad-request',
      roles: ['payments_officer'],
      count: 1,
      requested_by: 'emp-204',
      expires_at: 'in five minutes',
    })
    await expect(desk.status('bad-request')).rejects.toThrowWithCode('ENTRY_BODY_INVALID')
    await expect(
      desk.approve('bad-request', { id: 'emp-317', roles: ['payments_officer'] }),
    ).rejects.toThrowWithCode('ENTRY_BODY_INVALID')
    expect((await desk.pending()).map((p) => p.approvalId)).toEqual([good])
    expect(lines.map((l) => l.msg)).toEqual([
      'pending approvals: skipped 1 ledger entry whose body does not match its schema',
    ])
  })
})

describe('guard.findByEvent', () => {
  it('returns the typed bodies that match and leaves out (and reports) the one that does not', async () => {
    const { lines, logger } = capturingLogger()
    const guard = guardFor(env.store.ledger, env.policy, { chain: env.chain, logger })
    // One decision per event is a database constraint: the malformed one and the good one are on
    // different events, and each lookup returns only what parses.
    await guard.record(raw('decision'), { decision_id: 'old-1', event_id: 'evt-7', action: 'allow' })
    const recorded = await guard.decide(officerCall(100), { eventId: 'evt-8' })
    expect(await guard.findByEvent('evt-7', 'decision')).toEqual([])
    const bodies = await guard.findByEvent('evt-8', 'decision')
    expect(bodies.map((b) => [b.decision_id, b.input.session.id])).toEqual([
      [recorded.decisionId, 'sess-officer'],
    ])
    expect(lines.map((l) => [l.msg, l.skipped])).toEqual([
      ['decision entries of event evt-7: skipped 1 ledger entry whose body does not match its schema', 1],
    ])
  })
})
