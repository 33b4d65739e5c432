import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  type ApprovalDesk,
  createApprovalDesk,
  createFreeTextScrubber,
  type Guard,
  ToolDeniedError,
} from '../../src/guard/index.js'
import type { PolicyEngine } from '../../src/policy/index.js'
import { FixedClock } from '../../src/shared/index.js'
import { backendFactories, createPgliteBackend, type TestBackend } from '../support/backends.js'
import { defined, eventually } from '../support/eventually.js'
import {
  contexts,
  entriesOf,
  guardFor,
  type LedgerStore,
  loadTestPolicy,
  openStore,
  redactionKey,
  transferArgs,
} from '../support/guard-harness.js'

let policy: PolicyEngine
beforeAll(async () => {
  policy = await loadTestPolicy()
})
afterAll(async () => {
  await policy.close()
})

/** Waits until the guard has asked for approval and returns the request's id. */
function pendingApprovalId(desk: ApprovalDesk): Promise<string> {
  return eventually(async () => defined((await desk.pending())[0], 'an approval request').approvalId)
}

const officer2 = { id: 'emp-317', roles: ['payments_officer'] }
const treasurer = { id: 'emp-900', roles: ['treasury_manager'] }

describe.each(backendFactories)('require_approval on %s', (_name, createBackend) => {
  let backend: TestBackend
  let store: LedgerStore
  let other: LedgerStore
  let guard: Guard
  let desk: ApprovalDesk
  beforeEach(async () => {
    backend = await createBackend()
    store = await openStore(backend)
    guard = guardFor(store.ledger, policy)
    // A second connection stands for another process (the HTTP server): the ledger is the only shared state.
    other = backend.name === 'postgres' ? await openStore(backend) : store
    // Like the server, it checks comments with the policy's detectors before storing them.
    desk = createApprovalDesk({
      ledger: other.ledger,
      texts: createFreeTextScrubber({ policy, ledger: other.ledger, redactionKey }),
    })
  })
  afterEach(async () => {
    if (other !== store) await other.close()
    await store.close()
    await backend.dispose()
  })

  it('runs the transfer once a second officer approves; refuses self-approval', async () => {
    let ran = 0
    const transfer = guard.wrap('payments.transfer', (_args: object) => ++ran, { context: contexts.officer })
    const call = transfer(transferArgs(40_000))
    const approvalId = await pendingApprovalId(desk)
    const [pending] = await desk.pending()
    expect(pending).toMatchObject({ roles: ['payments_officer'], count: 1, requestedBy: 'emp-204' })
    expect(pending?.decision).toMatchObject({ action: 'require_approval' })

    await expect(
      desk.approve(approvalId, { id: 'emp-204', roles: ['payments_officer'] }, 'my own'),
    ).rejects.toThrowWithCode('APPROVAL_FORBIDDEN')
    expect(ran).toBe(0)
    await desk.approve(approvalId, officer2, 'invoice checked')
    await expect(call).resolves.toBe(1)

    const types = (await entriesOf(store.ledger)).map((e) => e.type)
    expect(types).toEqual(['decision', 'approval_request', 'approval_refused', 'approval', 'outcome'])
    const approval = (await entriesOf(store.ledger)).find((e) => e.type === 'approval')
    expect(approval?.body).toMatchObject({
      verdict: 'approve',
      approver: officer2,
      comment: 'invoice checked',
    })
    expect(await desk.pending()).toEqual([])
  })
})

describe('approvals (pglite)', () => {
  let backend: TestBackend
  let store: LedgerStore
  beforeAll(async () => {
    backend = await createPgliteBackend()
    store = await openStore(backend)
  })
  afterAll(async () => {
    await store.close()
    await backend.dispose()
  })
  // Each test on its own chain of the shared database.
  let chain: string
  let n = 0
  beforeEach(() => {
    chain = `approvals-${++n}`
  })

  it('refuses an approver without a required role', async () => {
    const guard = guardFor(store.ledger, policy, { chain })
    const call = guard.wrap('payments.transfer', (_args: object) => 'sent', { context: contexts.officer })(
      transferArgs(40_000),
    )
    const id = await pendingApprovalId(guard.approvals)
    await expect(guard.approvals.approve(id, { id: 'emp-555', roles: ['teller'] })).rejects.toThrowWithCode(
      'APPROVAL_FORBIDDEN',
    )
    await guard.approvals.deny(id, officer2, 'not on the supplier list')
    const error = await call.catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ToolDeniedError)
    expect((error as ToolDeniedError).reasons.at(-1)).toEqual({
      rule: 'arbiter.approval_denied',
      message: 'approval denied by emp-317: not on the supplier list',
    })
    const outcome = (await entriesOf(store.ledger, chain)).find((e) => e.type === 'outcome')
    expect(outcome?.body.status).toBe('not_run')
    await expect(guard.approvals.approve(id, officer2)).rejects.toThrowWithCode('APPROVAL_CLOSED')
  })

  it('needs `count` distinct approvers', async () => {
    const guard = guardFor(store.ledger, policy, { chain })
    let ran = false
    const call = guard.wrap(
      'payments.transfer',
      (_args: object) => {
        ran = true
      },
      { context: contexts.officer },
    )(transferArgs(150_000))
    const id = await pendingApprovalId(guard.approvals)
    expect((await guard.approvals.status(id))?.count).toBe(2)
    await guard.approvals.approve(id, officer2)
    await expect(guard.approvals.approve(id, officer2)).rejects.toThrowWithCode('APPROVAL_FORBIDDEN')
    // A sleep on purpose: "did not run" can only be observed over time. Three of the guard's poll
    // periods (pollMs 20) give it every chance to act wrongly on the first approval alone.
    await new Promise((resolve) => setTimeout(resolve, 60))
    expect(ran).toBe(false)
    const status = await guard.approvals.approve(id, treasurer)
    expect(status.state).toBe('approved')
    await call
    expect(ran).toBe(true)
  })

  it('denies on timeout and records it', async () => {
    const clock = new FixedClock(new Date('2026-11-25T15:00:00.000Z'))
    const guard = guardFor(store.ledger, policy, {
      chain,
      clock,
      approvals: { timeoutMs: 60_000, pollMs: 10 },
    })
    const call = guard.wrap('payments.transfer', (_args: object) => 'sent', { context: contexts.officer })(
      transferArgs(40_000),
    )
    const id = await pendingApprovalId(guard.approvals)
    clock.advance(60_001)
    await expect(call).rejects.toThrowWithCode('TOOL_DENIED')
    const approval = (await entriesOf(store.ledger, chain)).find((e) => e.type === 'approval')
    expect(approval?.body).toMatchObject({ approval_id: id, verdict: 'timeout' })
    await expect(guard.approvals.approve(id, officer2)).rejects.toThrowWithCode('APPROVAL_CLOSED')
  })

  it('answers APPROVAL_NOT_FOUND for an unknown request', async () => {
    const desk = createApprovalDesk({ ledger: store.ledger, chain })
    await expect(desk.approve('no-such-id', officer2)).rejects.toThrowWithCode('APPROVAL_NOT_FOUND')
    expect(await desk.status('no-such-id')).toBeNull()
  })

  it('rejects a malformed approver with VALIDATION_FAILED', async () => {
    const desk = createApprovalDesk({ ledger: store.ledger, chain })
    await expect(desk.approve('x', { id: '', roles: 'admin' } as never)).rejects.toThrowWithCode(
      'VALIDATION_FAILED',
    )
  })
})
