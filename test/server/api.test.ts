import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backendFactories, type TestBackend } from '../support/backends.js'
import { type ServerFixture, startServerFixture, transferCall } from './server-fixture.js'

interface DecisionJson {
  decision_id: string
  status: string
  reasons: { rule: string; message: string }[]
  decision: { action: string }
  approval?: { approval_id: string; roles: string[]; count: number }
  entry: { chain: string; seq: number }
  bundle: { revision: string; sha256: string }
}

async function json<T = Record<string, unknown>>(response: Response): Promise<T> {
  return (await response.json()) as T
}

async function errorCode(response: Response): Promise<string> {
  const body = await json<{ error?: { code?: string; message?: string } }>(response)
  expect(typeof body.error?.message).toBe('string')
  return String(body.error?.code)
}

describe.each(backendFactories)('HTTP API on %s', (_name, createBackend) => {
  let backend: TestBackend
  let f: ServerFixture

  beforeAll(async () => {
    backend = await createBackend()
    f = await startServerFixture(backend)
  })

  afterAll(async () => {
    await f?.close()
    await backend?.dispose()
  })

  const decide = async (input: unknown, key = f.keys.agent) => {
    const response = await f.call('/v1/decisions', { method: 'POST', key, body: input })
    expect(response.status).toBe(200)
    return json<DecisionJson>(response)
  }

  describe('operations routes', () => {
    it('answers /healthz and /readyz without a key', async () => {
      expect(await json(await f.call('/healthz'))).toEqual({ status: 'ok' })
      const ready = await f.call('/readyz')
      expect(ready.status).toBe(200)
      expect(await json(ready)).toEqual({ status: 'ready', checks: { database: true, bundle: true } })
    })

    it('sets security headers with a strict content security policy', async () => {
      const response = await f.call('/')
      expect(response.status).toBe(200)
      expect(response.headers.get('content-security-policy')).toContain("script-src 'self'")
      expect(response.headers.get('content-security-policy')).not.toContain('unsafe-inline')
      expect(response.headers.get('x-content-type-options')).toBe('nosniff')
      expect(response.headers.get('x-powered-by')).toBeNull()
      expect(await response.text()).toContain('<script type="module" src="/app.js">')
    })
  })

  describe('authentication', () => {
    it('rejects a missing, malformed, unknown or revoked key with 401 UNAUTHENTICATED', async () => {
      for (const key of [undefined, 'not a key', 'arb_unknownunknownunknown', f.keys.revoked]) {
        const response = await f.call('/v1/entries', key ? { key } : {})
        expect(response.status).toBe(401)
        expect(await errorCode(response)).toBe('UNAUTHENTICATED')
      }
    })

    it('tells a key who it is', async () => {
      const me = await json(await f.call('/v1/whoami', { key: f.keys.approver }))
      expect(me).toMatchObject({ role: 'approver', principal_id: 'officer-2', roles: ['payments_officer'] })
      expect(await json(await f.call('/v1/whoami', { key: f.keys.agent }))).toMatchObject({
        role: 'agent',
        identity: 'fin-assistant',
        act_for: ['emp-101'],
        assert_roles: ['teller', 'payments_officer'],
        front_end: false,
      })
    })
  })

  describe('roles', () => {
    // [method, path, body?] and which roles may call it; every other role gets 403 FORBIDDEN.
    const matrix: Array<[string, string, unknown, string[]]> = [
      ['POST', '/v1/decisions', {}, ['agent', 'admin']],
      ['POST', '/v1/decisions/nope/outcome', { status: 'ok' }, ['agent', 'admin']],
      ['GET', '/v1/decisions/nope', undefined, ['agent', 'auditor', 'approver', 'admin']],
      ['GET', '/v1/entries', undefined, ['auditor', 'approver', 'admin']],
      ['GET', '/v1/entries/default/0', undefined, ['auditor', 'approver', 'admin']],
      ['GET', '/v1/conflicts', undefined, ['auditor', 'approver', 'admin']],
      ['GET', '/v1/chains', undefined, ['auditor', 'approver', 'admin']],
      ['POST', '/v1/verify', { chain: 'nope' }, ['auditor', 'approver', 'admin']],
      ['GET', '/v1/export?format=csv&chain=nope', undefined, ['auditor', 'approver', 'admin']],
      ['GET', '/v1/approvals', undefined, ['auditor', 'approver', 'admin']],
      ['POST', '/v1/approvals/nope', { verdict: 'approve' }, ['approver', 'admin']],
      ['GET', '/v1/openapi.json', undefined, ['agent', 'auditor', 'approver', 'admin']],
      ['GET', '/v1/rollout', undefined, ['auditor', 'approver', 'admin']],
      ['GET', '/v1/overview', undefined, ['auditor', 'approver', 'admin']],
    ]
    it.each(matrix)('%s %s (body %j) is open to %j only', async (method, path, body, allowed) => {
      for (const role of ['agent', 'auditor', 'approver', 'admin'] as const) {
        const response = await f.call(path, { method, key: f.keys[role], body })
        if (allowed.includes(role)) {
          expect([200, 400, 404], `${role} on ${method} ${path}`).toContain(response.status)
        } else {
          expect(response.status, `${role} on ${method} ${path}`).toBe(403)
          expect(await errorCode(response)).toBe('FORBIDDEN')
        }
        if (!response.bodyUsed) await response.body?.cancel()
      }
    })
  })

  describe('POST /v1/decisions', () => {
    it('allows a small transfer and records it', async () => {
      const d = await decide(transferCall(100, ['teller']))
      expect(d.status).toBe('allowed')
      expect(d.decision.action).toBe('allow')
      expect(d.bundle.sha256).toMatch(/^[0-9a-f]{64}$/)
      const entry = await json<{ entry: { type: string; body: { decision_id: string } } }>(
        await f.call(`/v1/entries/${d.entry.chain}/${d.entry.seq}`, { key: f.keys.auditor }),
      )
      expect(entry.entry.type).toBe('decision')
      expect(entry.entry.body.decision_id).toBe(d.decision_id)
    })

    it('denies a transfer above the limit with the rule and message', async () => {
      const d = await decide(transferCall(50_000, ['teller']))
      expect(d.status).toBe('denied')
      expect(d.reasons.map((r) => r.rule)).toContain('fintech.transfer_limit')
    })

    it('answers 400 VALIDATION_FAILED for a body that is not a ToolCallInput', async () => {
      const response = await f.call('/v1/decisions', {
        method: 'POST',
        key: f.keys.agent,
        body: { tool: 'x' },
      })
      expect(response.status).toBe(400)
      expect(await errorCode(response)).toBe('VALIDATION_FAILED')
    })

    it('answers 400 INVALID_JSON for broken JSON', async () => {
      const response = await f.call('/v1/decisions', { method: 'POST', key: f.keys.agent, raw: '{"tool": ' })
      expect(response.status).toBe(400)
      expect(await errorCode(response)).toBe('INVALID_JSON')
    })

    it('answers 413 PAYLOAD_TOO_LARGE before parsing a body over the limit', async () => {
      const big = transferCall(1, ['teller'], { memo: 'x'.repeat(300 * 1024) })
      const response = await f.call('/v1/decisions', { method: 'POST', key: f.keys.agent, body: big })
      expect(response.status).toBe(413)
      expect(await errorCode(response)).toBe('PAYLOAD_TOO_LARGE')
    })

    it('returns require_approval at once as pending, and the long-poll sees the approval', async () => {
      const d = await decide(transferCall(20_000, ['payments_officer']))
      expect(d.status).toBe('pending')
      const approvalId = d.approval?.approval_id
      expect(approvalId).toBeTruthy()
      const waiting = f.call(`/v1/decisions/${d.decision_id}?wait=10`, { key: f.keys.agent })
      const approved = await f.call(`/v1/approvals/${approvalId}`, {
        method: 'POST',
        key: f.keys.approver,
        body: { verdict: 'approve', comment: 'invoice checked' },
      })
      expect(approved.status).toBe(200)
      expect(await json(approved)).toMatchObject({ verdict: 'approve', state: 'approved' })
      expect((await json<DecisionJson>(await waiting)).status).toBe('approved')
    })

    it('answers 404 DECISION_NOT_FOUND for an unknown decision and 400 for a bad wait', async () => {
      const missing = await f.call('/v1/decisions/does-not-exist', { key: f.keys.agent })
      expect(missing.status).toBe(404)
      expect(await errorCode(missing)).toBe('DECISION_NOT_FOUND')
      const bad = await f.call('/v1/decisions/x?wait=999', { key: f.keys.agent })
      expect(bad.status).toBe(400)
      expect(await errorCode(bad)).toBe('VALIDATION_FAILED')
    })
  })

  describe('POST /v1/decisions/{id}/outcome', () => {
    it('records one outcome, refuses a second with 409 and unknown ids with 404', async () => {
      const d = await decide(transferCall(10, ['teller']))
      const path = `/v1/decisions/${d.decision_id}/outcome`
      const first = await f.call(path, {
        method: 'POST',
        key: f.keys.agent,
        body: { status: 'ok', duration_ms: 12 },
      })
      expect(first.status).toBe(200)
      const recorded = await json<{ entry: { chain: string; seq: number } }>(first)
      expect(recorded.entry.seq).toBeGreaterThan(d.entry.seq)
      const again = await f.call(path, { method: 'POST', key: f.keys.agent, body: { status: 'ok' } })
      expect(again.status).toBe(409)
      expect(await errorCode(again)).toBe('GUARD_ALREADY_RECORDED')
      const unknown = await f.call('/v1/decisions/nope/outcome', {
        method: 'POST',
        key: f.keys.agent,
        body: { status: 'ok' },
      })
      expect(unknown.status).toBe(404)
      const invalid = await f.call(path, { method: 'POST', key: f.keys.agent, body: { status: 'fine' } })
      expect(invalid.status).toBe(400)
    })
  })

  describe('approvals', () => {
    it('lists pending requests and enforces four eyes and roles', async () => {
      const d = await decide(transferCall(30_000, ['payments_officer']))
      const list = await json<{
        approvals: { approval_id: string; decision_id: string; decision: unknown }[]
      }>(await f.call('/v1/approvals?status=pending', { key: f.keys.auditor }))
      const item = list.approvals.find((a) => a.decision_id === d.decision_id)
      expect(item?.decision).toBeTruthy()
      const path = `/v1/approvals/${item?.approval_id}`

      const self = await f.call(path, {
        method: 'POST',
        key: f.keys.selfApprover,
        body: { verdict: 'approve' },
      })
      expect(self.status).toBe(403)
      expect(await errorCode(self)).toBe('APPROVAL_FORBIDDEN')
      const wrongRole = await f.call(path, {
        method: 'POST',
        key: f.keys.wrongRoleApprover,
        body: { verdict: 'approve' },
      })
      expect(wrongRole.status).toBe(403)
      const auditor = await f.call(path, {
        method: 'POST',
        key: f.keys.auditor,
        body: { verdict: 'approve' },
      })
      expect(auditor.status).toBe(403)
      expect(await errorCode(auditor)).toBe('FORBIDDEN')

      const denied = await f.call(path, {
        method: 'POST',
        key: f.keys.approver,
        body: { verdict: 'deny', comment: 'no invoice' },
      })
      expect(await json(denied)).toMatchObject({ state: 'denied' })
      const closed = await f.call(path, {
        method: 'POST',
        key: f.keys.approver,
        body: { verdict: 'approve' },
      })
      expect(closed.status).toBe(409)
      expect(await errorCode(closed)).toBe('APPROVAL_CLOSED')

      const view = await json<DecisionJson>(
        await f.call(`/v1/decisions/${d.decision_id}?wait=5`, { key: f.keys.agent }),
      )
      expect(view.status).toBe('rejected')
      const all = await json<{ approvals: { approval_id: string; state: string }[] }>(
        await f.call('/v1/approvals?status=all', { key: f.keys.auditor }),
      )
      expect(all.approvals.find((a) => a.approval_id === item?.approval_id)?.state).toBe('denied')
    })

    it('answers 404 for an unknown request and 400 for a bad verdict', async () => {
      const missing = await f.call('/v1/approvals/nope', {
        method: 'POST',
        key: f.keys.approver,
        body: { verdict: 'approve' },
      })
      expect(missing.status).toBe(404)
      expect(await errorCode(missing)).toBe('APPROVAL_NOT_FOUND')
      const bad = await f.call('/v1/approvals/nope', {
        method: 'POST',
        key: f.keys.approver,
        body: { verdict: 'maybe' },
      })
      expect(bad.status).toBe(400)
    })
  })

  describe('GET /v1/entries', () => {
    it('filters by action, tool, rule, principal, type, free text and time range', async () => {
      await decide(transferCall(60_000, ['teller']))
      const get = async (query: string) =>
        (
          await json<{ entries: { type: string; body: Record<string, unknown> }[] }>(
            await f.call(`/v1/entries?${query}`, { key: f.keys.auditor }),
          )
        ).entries
      const denied = await get('action=deny&tool=payments.transfer')
      expect(denied.length).toBeGreaterThan(0)
      expect(denied.every((e) => e.body.action === 'deny')).toBe(true)
      expect((await get('rule=fintech.transfer_limit')).length).toBe(denied.length)
      expect((await get('q=EXCEEDS THE')).length).toBeGreaterThan(0)
      expect(await get('q=no-such-words-anywhere')).toEqual([])
      expect((await get('principal=emp-101&type=decision')).length).toBeGreaterThan(3)
      expect(await get('principal=someone-else')).toEqual([])
      expect(await get('to=2000-01-01T00:00:00Z')).toEqual([])
      expect((await get(`from=${encodeURIComponent('2000-01-01T00:00:00Z')}`)).length).toBeGreaterThan(0)
    })

    it('pages with an opaque cursor without gaps or repeats', async () => {
      const all = await json<{ entries: { seq: number }[] }>(
        await f.call('/v1/entries?limit=500', { key: f.keys.auditor }),
      )
      const seen: number[] = []
      let cursor: string | null = null
      do {
        const page: { entries: { seq: number }[]; next_cursor: string | null } = await json(
          await f.call(`/v1/entries?limit=3${cursor ? `&cursor=${cursor}` : ''}`, { key: f.keys.auditor }),
        )
        seen.push(...page.entries.map((e) => e.seq))
        cursor = page.next_cursor
      } while (cursor)
      expect(seen).toEqual(all.entries.map((e) => e.seq))
      expect(new Set(seen).size).toBe(seen.length)
    })

    it('answers 400 for an invalid cursor, unknown parameter or bad time', async () => {
      for (const query of ['cursor=garbage', 'colour=red', 'from=yesterday', 'limit=0', 'action=maybe']) {
        const response = await f.call(`/v1/entries?${query}`, { key: f.keys.auditor })
        expect(response.status, query).toBe(400)
        expect(await errorCode(response)).toBe('VALIDATION_FAILED')
      }
    })

    it('shows an entry with its linked entries, and 404 for an unknown one', async () => {
      const d = await decide(transferCall(42, ['teller']))
      await f.call(`/v1/decisions/${d.decision_id}/outcome`, {
        method: 'POST',
        key: f.keys.agent,
        body: { status: 'ok' },
      })
      const detail = await json<{ linked: { type: string }[] }>(
        await f.call(`/v1/entries/${d.entry.chain}/${d.entry.seq}`, { key: f.keys.auditor }),
      )
      expect(detail.linked.map((e) => e.type)).toEqual(['outcome'])
      const missing = await f.call(`/v1/entries/${d.entry.chain}/999999`, { key: f.keys.auditor })
      expect(missing.status).toBe(404)
      expect(await errorCode(missing)).toBe('ENTRY_NOT_FOUND')
      expect((await f.call('/v1/entries/default/-1', { key: f.keys.auditor })).status).toBe(400)
    })
  })

  describe('GET /v1/conflicts', () => {
    it('lists conflict entries with their decisions', async () => {
      const d = await decide(transferCall(70_000, ['teller']))
      await f.composed.guard.record('conflict', {
        decision_id: d.decision_id,
        kind: 'runtime_allowed_policy_denied',
        runtime: { decision: 'allow', policy: 'always_allow' },
        policy_action: 'deny',
        reasons: d.reasons,
        interrupted: true,
      })
      const page = await json<{
        conflicts: { entry: { body: { kind: string } }; decision: { body: { decision_id: string } } }[]
      }>(await f.call('/v1/conflicts', { key: f.keys.auditor }))
      expect(page.conflicts[0]?.entry.body.kind).toBe('runtime_allowed_policy_denied')
      expect(page.conflicts[0]?.decision.body.decision_id).toBe(d.decision_id)
    })
  })

  describe('chains, verification and export', () => {
    it('verifies, records the result and shows it with the chain head', async () => {
      const verify = await f.call('/v1/verify', { method: 'POST', key: f.keys.auditor, body: {} })
      expect(verify.status).toBe(200)
      const result = await json<{ ok: boolean; results: { chain: string; entries: number }[] }>(verify)
      expect(result.ok).toBe(true)
      expect(result.results[0]?.entries).toBeGreaterThan(5)
      const chains = await json<{
        chains: {
          chain: string
          head: { seq: number }
          last_verification: { ok: boolean; requested_by: string }
        }[]
      }>(await f.call('/v1/chains', { key: f.keys.auditor }))
      expect(chains.chains[0]?.chain).toBe('default')
      expect(chains.chains[0]?.last_verification).toMatchObject({ ok: true, requested_by: 'auditor-1' })
      const unknown = await f.call('/v1/verify', {
        method: 'POST',
        key: f.keys.auditor,
        body: { chain: 'nope' },
      })
      expect(unknown.status).toBe(404)
    })

    it('streams JSON Lines and CSV of every entry', async () => {
      const head = (
        await json<{ chains: { head: { seq: number } }[] }>(
          await f.call('/v1/chains', { key: f.keys.auditor }),
        )
      ).chains[0]!.head.seq
      const jsonl = await f.call('/v1/export?format=jsonl', { key: f.keys.auditor })
      expect(jsonl.headers.get('content-type')).toContain('application/x-ndjson')
      const all = (await jsonl.text()).trim().split('\n')
      // Entries (no checkpoints were signed here), then the end line.
      expect(JSON.parse(all.at(-1)!)).toMatchObject({ export_end: { entries: all.length - 1 } })
      const lines = all.slice(0, -1).map((l) => JSON.parse(l) as { seq: number; hash: string })
      expect(lines.at(-1)?.seq).toBe(head)
      expect(lines.every((l) => /^[0-9a-f]{64}$/.test(l.hash))).toBe(true)
      const csv = await (await f.call('/v1/export?format=csv', { key: f.keys.auditor })).text()
      const rows = csv.trim().split('\n')
      expect(rows[0]).toBe('chain,seq,ts,type,prev,hash,body')
      expect(rows.length).toBe(lines.length + 1)
      const bad = await f.call('/v1/export?format=xml', { key: f.keys.auditor })
      expect(bad.status).toBe(400)
    })
  })

  describe('metrics and the OpenAPI document', () => {
    it('exposes decision, latency, append, conflict and pending-approval metrics', async () => {
      const text = await (await f.call('/metrics')).text()
      expect(text).toMatch(/arbiter_decisions_total\{action="deny",rule="fintech.transfer_limit"\} \d+/)
      expect(text).toMatch(/arbiter_decision_latency_seconds_count\{action="allow"\} \d+/)
      expect(text).toMatch(/arbiter_ledger_append_seconds_count\{type="decision"\} \d+/)
      expect(text).toMatch(/arbiter_conflicts_total\{kind="runtime_allowed_policy_denied"\} 1/)
      expect(text).toMatch(/arbiter_pending_approvals \d+/)
    })

    it('serves an OpenAPI 3.1 document listing every route', async () => {
      const doc = await json<{ openapi: string; paths: Record<string, Record<string, unknown>> }>(
        await f.call('/v1/openapi.json', { key: f.keys.agent }),
      )
      expect(doc.openapi).toBe('3.1.0')
      expect(Object.keys(doc.paths).sort()).toEqual(
        [
          '/healthz',
          '/metrics',
          '/readyz',
          '/v1/approvals',
          '/v1/approvals/{id}',
          '/v1/bundles/{ref}',
          '/v1/bundles/{ref}/bundle.tar.gz',
          '/v1/chains',
          '/v1/chains/{chain}/proofs/consistency',
          '/v1/chains/{chain}/proofs/inclusion',
          '/v1/conflicts',
          '/v1/decisions',
          '/v1/decisions/{id}',
          '/v1/decisions/{id}/outcome',
          '/v1/entries',
          '/v1/entries/{chain}/{seq}',
          '/v1/export',
          '/v1/openapi.json',
          '/v1/overview',
          '/v1/rollout',
          '/v1/verify',
          '/v1/whoami',
        ].sort(),
      )
    })

    it('routes every operation the document lists (none falls through to NOT_FOUND)', async () => {
      const doc = await json<{ paths: Record<string, Record<string, unknown>> }>(
        await f.call('/v1/openapi.json', { key: f.keys.admin }),
      )
      for (const [path, operations] of Object.entries(doc.paths)) {
        for (const method of Object.keys(operations)) {
          const concrete = path.replace('{chain}', 'default').replace('{seq}', '1').replace('{id}', 'x')
          const response = await f.call(concrete, {
            method: method.toUpperCase(),
            key: f.keys.admin,
            body: method === 'post' ? {} : undefined,
          })
          const code = response.status === 404 ? await errorCode(response) : null
          expect(code, `${method} ${path}`).not.toBe('NOT_FOUND')
          if (!response.bodyUsed) await response.body?.cancel()
        }
      }
    })

    it('answers unknown API routes with 404 NOT_FOUND', async () => {
      const response = await f.call('/v1/nothing-here', { key: f.keys.admin })
      expect(response.status).toBe(404)
      expect(await errorCode(response)).toBe('NOT_FOUND')
    })
  })
})

describe('rate limiting', () => {
  it('answers 429 RATE_LIMITED once a key used its budget, while other keys go on', async () => {
    const backend = await backendFactories[0]![1]()
    const f = await startServerFixture(backend, { rateLimit: { windowMs: 60_000, limit: 3 } })
    try {
      for (let i = 0; i < 3; i += 1)
        expect((await f.call('/v1/chains', { key: f.keys.auditor })).status).toBe(200)
      const limited = await f.call('/v1/chains', { key: f.keys.auditor })
      expect(limited.status).toBe(429)
      expect(await errorCode(limited)).toBe('RATE_LIMITED')
      expect((await f.call('/v1/chains', { key: f.keys.approver })).status).toBe(200)
    } finally {
      await f.close()
      await backend.dispose()
    }
  })
})

describe('approval timeout over HTTP', () => {
  it('denies an unanswered request when it expires and records timeout and not-run entries', async () => {
    const backend = await backendFactories[0]![1]()
    const f = await startServerFixture(backend, { approvalTimeoutMs: 300 })
    try {
      const response = await f.call('/v1/decisions', {
        method: 'POST',
        key: f.keys.agent,
        body: transferCall(15_000, ['payments_officer']),
      })
      const d = await json<DecisionJson>(response)
      expect(d.status).toBe('pending')
      const view = await json<DecisionJson>(
        await f.call(`/v1/decisions/${d.decision_id}?wait=5`, { key: f.keys.agent }),
      )
      expect(view.status).toBe('rejected')
      await expect
        .poll(async () => {
          const page = await json<{
            entries: { type: string; body: { verdict?: string; status?: string } }[]
          }>(await f.call(`/v1/entries?decision_id=${d.decision_id}`, { key: f.keys.auditor }))
          return page.entries.map((e) => e.body.verdict ?? e.body.status ?? e.type).sort()
        })
        .toEqual(['approval_request', 'decision', 'not_run', 'timeout'])
    } finally {
      await f.close()
      await backend.dispose()
    }
  })
})

describe('approval waiting across a server restart', () => {
  it('a new server process settles a request the old one left open: one timeout, one not-run', async () => {
    const backend = await backendFactories[0]![1]()
    try {
      // Long enough for the second server (policy workers included) to start before the request
      // expires: requests that expired while no server ran are not resumed.
      const first = await startServerFixture(backend, { approvalTimeoutMs: 5_000 })
      const d = await json<DecisionJson>(
        await first.call('/v1/decisions', {
          method: 'POST',
          key: first.keys.agent,
          body: transferCall(15_000, ['payments_officer']),
        }),
      )
      expect(d.status).toBe('pending')
      await first.close() // its waiter stops with it, before the request expires

      const second = await startServerFixture(backend, { approvalTimeoutMs: 5_000 })
      try {
        await expect
          .poll(
            async () => {
              const page = await json<{
                entries: { type: string; body: { verdict?: string; status?: string } }[]
              }>(await second.call(`/v1/entries?decision_id=${d.decision_id}`, { key: second.keys.auditor }))
              return page.entries.map((e) => e.body.verdict ?? e.body.status ?? e.type).sort()
            },
            { timeout: 20_000, interval: 100 },
          )
          .toEqual(['approval_request', 'decision', 'not_run', 'timeout'])
      } finally {
        await second.close()
      }
    } finally {
      await backend.dispose()
    }
  })
})
