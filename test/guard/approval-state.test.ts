import { describe, expect, it } from 'vitest'
import { approverProblem, settleApproval } from '../../src/guard/approval-state.js'
import type { LedgerEntry } from '../../src/ledger/index.js'

const request = {
  decision_id: 'd1',
  approval_id: 'a1',
  roles: ['payments_officer'],
  count: 1,
  requested_by: 'alice',
  expires_at: '2999-01-01T00:00:00.000Z',
  caller: { key_id: 'k-filer', identity: 'fin-assistant', principal_id: 'ops-admin' },
}
const officer = { id: 'officer-2', roles: ['payments_officer'] }
const officerKey = { keyId: 'k-officer', identity: 'officer-2', principalId: 'officer-2' }

describe('approverProblem', () => {
  it('lets a different person with a required role approve', () => {
    expect(approverProblem(request, officer, officerKey)).toBeNull()
    expect(approverProblem(request, officer)).toBeNull()
  })

  it('refuses the principal of the call', () => {
    expect(approverProblem(request, { id: 'alice', roles: ['payments_officer'] })).toMatch(
      /approver alice requested this call/,
    )
    expect(
      approverProblem(request, officer, { keyId: 'k2', identity: 'alice', principalId: 'officer-2' }),
    ).toMatch(/approver alice requested this call/)
  })

  it('refuses the key that filed the request, whoever it claims to approve as', () => {
    expect(approverProblem(request, officer, { ...officerKey, keyId: 'k-filer' })).toBe(
      'key k-filer filed this request and cannot approve it (four-eyes rule)',
    )
  })

  it('refuses the identity and the own principal of the key that filed it, in process too', () => {
    expect(approverProblem(request, { id: 'fin-assistant', roles: ['payments_officer'] })).toMatch(
      /approver fin-assistant filed this request/,
    )
    expect(approverProblem(request, { id: 'ops-admin', roles: ['payments_officer'] })).toMatch(
      /approver ops-admin filed this request/,
    )
    expect(approverProblem(request, officer, { ...officerKey, identity: 'fin-assistant' })).toMatch(
      /approver fin-assistant filed this request/,
    )
  })

  it('refuses an approver without a required role', () => {
    expect(approverProblem(request, { id: 'clerk', roles: ['teller'] })).toMatch(
      /holds none of the required roles/,
    )
  })

  it('keeps the in-process rules for a request filed without a key', () => {
    const { caller: _caller, ...inProcess } = request
    expect(approverProblem(inProcess, { id: 'fin-assistant', roles: ['payments_officer'] })).toBeNull()
    expect(approverProblem(inProcess, { id: 'alice', roles: ['payments_officer'] })).not.toBeNull()
  })
})

describe('settleApproval', () => {
  let seq = 0
  const entry = (type: string, body: Record<string, unknown>): LedgerEntry => ({
    v: 1,
    chain: 'default',
    seq: seq++,
    ts: '2026-01-01T00:00:00.000Z',
    type,
    body,
    prev: '0'.repeat(64),
    hash: '0'.repeat(64),
  })
  const vote = (verdict: string, approver: object, caller?: object) =>
    entry('approval', {
      decision_id: 'd1',
      approval_id: 'a1',
      verdict,
      approver,
      ...(caller ? { caller } : {}),
    })
  const now = new Date('2026-01-01T00:00:00.000Z')

  it('ignores a vote by the filing key even when something wrote it to the ledger', () => {
    const status = settleApproval(
      [
        entry('approval_request', request),
        vote('approve', officer, { key_id: 'k-filer', identity: 'x', principal_id: 'y' }),
      ],
      now,
    )
    expect(status).toMatchObject({
      state: 'pending',
      caller: { keyId: 'k-filer', identity: 'fin-assistant', principalId: 'ops-admin' },
    })
  })

  it('stays approved when a denial races in after the approval that settled it', () => {
    const status = settleApproval(
      [
        entry('approval_request', request),
        vote('approve', officer),
        vote('deny', { id: 'officer-3', roles: ['payments_officer'] }),
      ],
      now,
    )
    expect(status?.state).toBe('approved')
  })

  it('stays denied when an approval races in after the denial', () => {
    const status = settleApproval(
      [
        entry('approval_request', request),
        vote('deny', { id: 'officer-3', roles: ['payments_officer'] }),
        vote('approve', officer),
      ],
      now,
    )
    expect(status).toMatchObject({ state: 'denied', approvedBy: [] })
  })
})
