import { Writable } from 'node:stream'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ServerFixture, startServerFixture, transferCall } from '../server/server-fixture.js'
import { backendFactories, type TestBackend } from '../support/backends.js'

/**
 * Issue 9, items 5 and 6, written as the attacks: identity comes from the API key's binding, never
 * from the request body; four eyes hold for admin keys; outcomes cannot be forged or doubled.
 */

interface DecisionJson {
  decision_id: string
  status: string
  approval?: { approval_id: string }
}

interface EntryJson {
  type: string
  body: Record<string, unknown>
}

async function errorOf(response: Response): Promise<{ code: string; message: string }> {
  const body = (await response.json()) as { error: { code: string; message: string } }
  return body.error
}

/** A call with the identity parts left for the test to set (or leave out). */
function call(amount: number, identity: { agent?: unknown; principal?: unknown }) {
  const { agent: _a, principal: _p, ...rest } = transferCall(amount, [])
  return { ...rest, ...identity }
}

describe.each(backendFactories)('identity and authority over HTTP on %s', (_name, createBackend) => {
  let backend: TestBackend
  let f: ServerFixture
  const logLines: string[] = []
  /** Every secret handed out in this suite: none may reach the ledger or the logs. */
  const secrets: string[] = []
  const keys: Record<string, { key: string; keyId: string }> = {}

  beforeAll(async () => {
    backend = await createBackend()
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logLines.push(String(chunk))
        done()
      },
    })
    f = await startServerFixture(backend, {}, { logger: pino({ level: 'trace' }, sink) })
    const create = async (
      name: string,
      options: Parameters<ServerFixture['composed']['keys']['create']>[0],
    ) => {
      const { key, info } = await f.composed.keys.create({ name, ...options })
      keys[name] = { key, keyId: info.keyId }
      secrets.push(key)
    }
    // A personal assistant: speaks as agent fin-assistant, for alice only, with alice's teller role.
    await create('alice-assistant', {
      role: 'agent',
      identity: 'fin-assistant',
      principalId: 'alice',
      roles: ['teller'],
    })
    // A trusted front end (a portal that signs its users in): may name any end user, roles up to payments_officer.
    await create('portal', {
      role: 'agent',
      identity: 'fin-assistant',
      frontEnd: true,
      assertRoles: ['teller', 'payments_officer'],
    })
    // An admin (person ops-admin, a payments officer) whose key runs fin-assistant for any user.
    await create('ops-admin', {
      role: 'admin',
      identity: 'fin-assistant',
      principalId: 'ops-admin',
      roles: ['payments_officer', 'treasury_manager'],
      frontEnd: true,
      assertRoles: ['payments_officer'],
    })
    // Another admin key speaking as the same agent, held by someone else.
    await create('ops-admin-2', {
      role: 'admin',
      identity: 'fin-assistant',
      principalId: 'ops-bot-2',
      roles: ['payments_officer'],
    })
    // The same person as ops-admin, with an approver key of their own.
    await create('ops-admin-approver', {
      role: 'approver',
      principalId: 'ops-admin',
      roles: ['payments_officer'],
    })
    await create('care-bot', { role: 'agent', identity: 'care-assistant', principalId: 'svc-care' })
    await create('alice-approver', { role: 'approver', principalId: 'alice', roles: ['payments_officer'] })
    secrets.push(...Object.values(f.keys))
  })

  afterAll(async () => {
    await f?.close()
    await backend?.dispose()
  })

  const post = (path: string, key: string, body: unknown) => f.call(path, { method: 'POST', key, body })
  const decide = async (key: string, body: unknown) => {
    const response = await post('/v1/decisions', key, body)
    expect(response.status, JSON.stringify(await response.clone().json())).toBe(200)
    return (await response.json()) as DecisionJson
  }
  const entriesFor = async (decisionId: string): Promise<EntryJson[]> => {
    const page = (await (
      await f.call(`/v1/entries?decision_id=${decisionId}&limit=500`, { key: f.keys.auditor })
    ).json()) as { entries: EntryJson[] }
    return page.entries.reverse()
  }

  describe('item 5: four eyes cannot be bypassed', () => {
    it('refuses an admin key that files a transfer "for alice" without being allowed to act for her', async () => {
      const response = await post(
        '/v1/decisions',
        f.keys.admin,
        call(20_000, { principal: { id: 'alice', roles: ['payments_officer'] } }),
      )
      expect(response.status).toBe(403)
      const error = await errorOf(response)
      expect(error.code).toBe('FORBIDDEN')
      expect(error.message).toContain('alice')
    })

    it('refuses the approval by the key that filed the request, even an admin that holds the role', async () => {
      const d = await decide(
        keys['ops-admin']!.key,
        call(20_000, { principal: { id: 'alice', roles: ['payments_officer'] } }),
      )
      expect(d.status).toBe('pending')
      const path = `/v1/approvals/${d.approval?.approval_id}`

      const self = await post(path, keys['ops-admin']!.key, { verdict: 'approve' })
      expect(self.status).toBe(403)
      expect(await errorOf(self)).toMatchObject({ code: 'APPROVAL_FORBIDDEN' })
      // Another key of the same identity is the same requester; so is the same person with another key.
      for (const other of ['ops-admin-2', 'ops-admin-approver']) {
        const again = await post(path, keys[other]!.key, { verdict: 'approve' })
        expect(again.status, other).toBe(403)
        expect(await errorOf(again)).toMatchObject({ code: 'APPROVAL_FORBIDDEN' })
      }
      // The principal of the call may not approve it either.
      const principal = await post(path, keys['alice-approver']!.key, { verdict: 'approve' })
      expect(principal.status).toBe(403)
      expect(await errorOf(principal)).toMatchObject({ code: 'APPROVAL_FORBIDDEN' })

      const view = (await (
        await f.call(`/v1/decisions/${d.decision_id}`, { key: f.keys.auditor })
      ).json()) as DecisionJson
      expect(view.status).toBe('pending')
      const refused = (await entriesFor(d.decision_id)).filter((e) => e.type === 'approval_refused')
      expect(refused.map((e) => (e.body.caller as { key_id: string }).key_id)).toEqual([
        keys['ops-admin']!.keyId,
        keys['ops-admin-2']!.keyId,
        keys['ops-admin-approver']!.keyId,
        keys['alice-approver']!.keyId,
      ])
      expect(refused.map((e) => e.body.reason)).toEqual([
        expect.stringContaining(`key ${keys['ops-admin']!.keyId} filed this request`),
        expect.stringContaining('approver fin-assistant filed this request'),
        expect.stringContaining('approver ops-admin filed this request'),
        expect.stringContaining('approver alice requested this call'),
      ])

      // A different person with the role can.
      const approved = await post(path, f.keys.approver, { verdict: 'approve' })
      expect(approved.status).toBe(200)
      expect(await approved.json()).toMatchObject({ state: 'approved' })
    })

    it('refuses an agent key that claims treasury_manager (or anyone else); limits come from the binding', async () => {
      const key = keys['alice-assistant']!.key
      const escalated = await post(
        '/v1/decisions',
        key,
        call(500_000, { principal: { id: 'alice', roles: ['treasury_manager'] } }),
      )
      expect(escalated.status).toBe(403)
      const error = await errorOf(escalated)
      expect(error.code).toBe('FORBIDDEN')
      expect(error.message).toContain('treasury_manager')

      const someoneElse = await post(
        '/v1/decisions',
        key,
        call(100, { principal: { id: 'bob', roles: ['teller'] } }),
      )
      expect(someoneElse.status).toBe(403)
      expect((await errorOf(someoneElse)).message).toContain('bob')

      const otherAgent = await post(
        '/v1/decisions',
        key,
        call(100, { agent: { id: 'care-assistant', runtime: 'http' } }),
      )
      expect(otherAgent.status).toBe(403)
      expect((await errorOf(otherAgent)).message).toContain('care-assistant')

      // Left out, agent and principal come from the binding: alice as a teller, so 50,000 is over her limit.
      const bound = await decide(key, call(50_000, {}))
      expect(bound.status).toBe('denied')
      const [decision] = await entriesFor(bound.decision_id)
      expect(decision?.body.input).toMatchObject({
        agent: { id: 'fin-assistant' },
        principal: { id: 'alice', roles: ['teller'] },
      })
      expect(decision?.body.caller).toEqual({
        key_id: keys['alice-assistant']!.keyId,
        identity: 'fin-assistant',
        principal_id: 'alice',
      })
    })

    it('lets a front-end key assert an end user within its roles, and records caller and principal', async () => {
      const key = keys.portal!.key
      const d = await decide(key, call(100, { principal: { id: 'u-17', roles: ['teller'], tenant: 'acme' } }))
      expect(d.status).toBe('allowed')
      const [decision] = await entriesFor(d.decision_id)
      expect(decision?.body.caller).toEqual({
        key_id: keys.portal!.keyId,
        identity: 'fin-assistant',
        principal_id: 'fin-assistant',
      })
      expect(decision?.body.input).toMatchObject({
        principal: { id: 'u-17', roles: ['teller'], tenant: 'acme' },
      })

      const beyond = await post(
        '/v1/decisions',
        key,
        call(100, { principal: { id: 'u-17', roles: ['teller', 'treasury_manager'] } }),
      )
      expect(beyond.status).toBe(403)
      const error = await errorOf(beyond)
      expect(error.message).toMatch(/^roles "treasury_manager" refused for principal "u-17"/)
    })
  })

  describe('item 6: outcomes cannot be forged', () => {
    it('answers 409 for the outcome of a denied decision and of a pending one, and writes nothing', async () => {
      const key = f.keys.agent
      const denied = await decide(key, transferCall(50_000, ['teller']))
      expect(denied.status).toBe('denied')
      const onDenied = await post(`/v1/decisions/${denied.decision_id}/outcome`, key, { status: 'ok' })
      expect(onDenied.status).toBe(409)
      expect((await errorOf(onDenied)).code).toBe('DECISION_DENIED')

      const pending = await decide(key, transferCall(20_000, ['payments_officer']))
      expect(pending.status).toBe('pending')
      const onPending = await post(`/v1/decisions/${pending.decision_id}/outcome`, key, { status: 'ok' })
      expect(onPending.status).toBe(409)
      expect((await errorOf(onPending)).code).toBe('DECISION_PENDING')

      for (const id of [denied.decision_id, pending.decision_id])
        expect((await entriesFor(id)).filter((e) => e.type === 'outcome')).toEqual([])
    })

    it('accepts the outcome of an approved decision from the key that asked', async () => {
      const key = f.keys.agent
      const d = await decide(key, transferCall(20_000, ['payments_officer']))
      await post(`/v1/approvals/${d.approval?.approval_id}`, f.keys.approver, { verdict: 'approve' })
      const response = await post(`/v1/decisions/${d.decision_id}/outcome`, key, { status: 'ok' })
      expect(response.status).toBe(200)
    })

    it('records exactly one of 10 concurrent outcome posts (one 200, nine 409)', async () => {
      const key = f.keys.agent
      const d = await decide(key, transferCall(10, ['teller']))
      const responses = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          post(`/v1/decisions/${d.decision_id}/outcome`, key, { status: 'ok', duration_ms: i }),
        ),
      )
      const statuses = responses.map((r) => r.status).sort()
      expect(statuses).toEqual([200, 409, 409, 409, 409, 409, 409, 409, 409, 409])
      for (const r of responses.filter((r) => r.status === 409))
        expect((await errorOf(r)).code).toBe('GUARD_ALREADY_RECORDED')
      expect((await entriesFor(d.decision_id)).filter((e) => e.type === 'outcome')).toHaveLength(1)
    })

    it('answers 403 when another key reports the outcome', async () => {
      const d = await decide(f.keys.agent, transferCall(10, ['teller']))
      for (const other of [keys['care-bot']!.key, f.keys.admin, keys.portal!.key]) {
        const response = await post(`/v1/decisions/${d.decision_id}/outcome`, other, { status: 'ok' })
        expect(response.status).toBe(403)
        expect((await errorOf(response)).code).toBe('FORBIDDEN')
      }
      // Nor may another agent key read it.
      const peek = await f.call(`/v1/decisions/${d.decision_id}`, { key: keys['care-bot']!.key })
      expect(peek.status).toBe(403)
      expect((await entriesFor(d.decision_id)).filter((e) => e.type === 'outcome')).toEqual([])
    })
  })

  describe('evidence', () => {
    it('records the key id and bound identity on every body the request made', async () => {
      const agent = keys.portal!
      const d = await decide(
        agent.key,
        call(20_000, { principal: { id: 'u-18', roles: ['payments_officer'] } }),
      )
      const path = `/v1/approvals/${d.approval?.approval_id}`
      await post(path, keys['alice-approver']!.key, { verdict: 'deny' }) // payments officer, but not u-18: allowed
      const approverId = (
        (await (await f.call('/v1/whoami', { key: keys['alice-approver']!.key })).json()) as {
          key_id: string
        }
      ).key_id
      const entries = await entriesFor(d.decision_id)
      const callers = Object.fromEntries(entries.map((e) => [e.type, e.body.caller]))
      const portal = { key_id: agent.keyId, identity: 'fin-assistant', principal_id: 'fin-assistant' }
      expect(callers.decision).toEqual(portal)
      expect(callers.approval_request).toEqual(portal)
      expect(callers.approval).toEqual({ key_id: approverId, identity: 'alice', principal_id: 'alice' })

      const allowed = await decide(agent.key, call(100, { principal: { id: 'u-18', roles: ['teller'] } }))
      await post(`/v1/decisions/${allowed.decision_id}/outcome`, agent.key, { status: 'ok' })
      const outcome = (await entriesFor(allowed.decision_id)).find((e) => e.type === 'outcome')
      expect(outcome?.body.caller).toEqual({
        key_id: agent.keyId,
        identity: 'fin-assistant',
        principal_id: 'fin-assistant',
      })
    })

    it('never writes a key secret to the ledger or the logs', async () => {
      // A wrong key and a revoked one go through the error paths too.
      await f.call('/v1/entries', { key: `${secrets[0]}x` })
      await f.call('/v1/entries', { key: f.keys.revoked })
      const ledger = await (await f.call('/v1/export?format=jsonl', { key: f.keys.auditor })).text()
      expect(ledger.split('\n').length).toBeGreaterThan(10)
      expect(logLines.length).toBeGreaterThan(20)
      const logs = logLines.join('')
      for (const secret of secrets) {
        expect(ledger).not.toContain(secret)
        expect(logs).not.toContain(secret)
        // Not even the part after the recognisable prefix.
        expect(ledger).not.toContain(secret.slice(4))
        expect(logs).not.toContain(secret.slice(4))
      }
    })
  })
})
