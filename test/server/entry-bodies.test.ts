import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildOpenApiDocument } from '../../src/server/index.js'
import { createPgliteBackend, type TestBackend } from '../support/backends.js'
import { type ServerFixture, startServerFixture, transferCall } from './server-fixture.js'

// The server reads bodies through src/entries: a stored body that does not match its schema is a
// typed server error or a counted skip, never a crash or a guessed answer.

/** An entry type as a plain string: the guard then takes any object body, as an old writer would. */
const raw = (type: string) => type

describe('HTTP API over bodies that do not match their schema', () => {
  let backend: TestBackend
  let f: ServerFixture
  beforeAll(async () => {
    backend = await createPgliteBackend()
    f = await startServerFixture(backend)
  })
  afterAll(async () => {
    await f.close()
    await backend.dispose()
  })

  it('GET /v1/decisions/{id} answers 500 ENTRY_BODY_INVALID for a decision without input or bundle', async () => {
    await f.composed.guard.record(raw('decision'), { decision_id: 'odd-1', action: 'allow', reasons: [] })
    const response = await f.call('/v1/decisions/odd-1', { key: f.keys.auditor })
    expect(response.status).toBe(500)
    expect(await response.json()).toEqual({
      error: { code: 'ENTRY_BODY_INVALID', message: 'internal error' },
    })
    // The raw entry is still there for an auditor to look at.
    const page = (await (await f.call('/v1/entries?decision_id=odd-1', { key: f.keys.auditor })).json()) as {
      entries: { body: unknown }[]
    }
    expect(page.entries.map((e) => e.body)).toEqual([{ decision_id: 'odd-1', action: 'allow', reasons: [] }])
  })

  it('GET /v1/approvals leaves out a request whose body does not match and lists the others', async () => {
    const pending = (await (
      await f.call('/v1/decisions', {
        method: 'POST',
        key: f.keys.agent,
        body: transferCall(15_000, ['payments_officer']),
      })
    ).json()) as { decision_id: string; approval: { approval_id: string } }
    // One request per decision is a database constraint: the malformed one names another decision.
    await f.composed.guard.record(raw('approval_request'), {
      decision_id: 'odd-decision',
      approval_id: 'odd-request',
      roles: 'payments_officer',
      count: 1,
      requested_by: 'emp-101',
      expires_at: '2999-01-01T00:00:00.000Z',
    })
    const listed = await f.call('/v1/approvals?status=all', { key: f.keys.approver })
    expect(listed.status).toBe(200)
    const { approvals } = (await listed.json()) as { approvals: { approval_id: string }[] }
    expect(approvals.map((a) => a.approval_id)).toEqual([pending.approval.approval_id])
  })

  it('counts appended decision and conflict bodies that do not match in arbiter_invalid_entry_bodies_total', async () => {
    const invalid = async (type: string) => {
      const metric = f.composed.metrics.registry.getSingleMetric('arbiter_invalid_entry_bodies_total')
      const values = (await metric?.get())?.values ?? []
      return values.find((v) => v.labels.type === type)?.value ?? 0
    }
    const before = { decision: await invalid('decision'), conflict: await invalid('conflict') }
    await f.composed.guard.record(raw('decision'), { decision_id: 'odd-2', action: 'allow' })
    await f.composed.guard.record(raw('conflict'), { decision_id: 'odd-2', kind: 'something_else' })
    expect(await invalid('decision')).toBe(before.decision + 1)
    expect(await invalid('conflict')).toBe(before.conflict + 1)
    expect(await f.composed.metrics.registry.metrics()).not.toContain('kind="something_else"')
  })
})

describe('OpenAPI document', () => {
  const doc = buildOpenApiDocument() as unknown as {
    components: { schemas: Record<string, { required?: string[]; properties?: Record<string, unknown> }> }
  }

  it('describes each entry type with its body schema', () => {
    const schemas = doc.components.schemas
    expect(schemas.DecisionBody?.required).toEqual(
      expect.arrayContaining([
        'decision_id',
        'input',
        'action',
        'reasons',
        'redacted',
        'bundle',
        'duration_us',
      ]),
    )
    expect(schemas.ConflictEntry?.properties?.body).toEqual({ $ref: '#/components/schemas/ConflictBody' })
    expect(schemas.PolicyLoadedBody?.required).toEqual(
      expect.arrayContaining(['revision', 'sha256', 'previous_sha256', 'reason', 'loaded_by']),
    )
    expect(Object.keys(schemas)).toEqual(
      expect.arrayContaining(['LedgerEntry', 'OtherEntry', 'ApprovalRefusedEntry']),
    )
  })
})
