import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { toConflictBody } from '../../src/guard/index.js'
import type { BuiltBundle } from '../../src/policy/index.js'
import { makeTempDir, removeDir } from '../policy/helpers.js'
import { backendFactories, createPgliteBackend, type TestBackend } from '../support/backends.js'
import { buildLiveAndCandidate } from '../support/candidate-bundles.js'
import { type ServerFixture, startServerFixture, transferCall } from './server-fixture.js'

// GET /v1/rollout and GET /v1/overview over a real server whose live bundle is the shipped packs and
// whose shadow bundle cuts the teller's transfer limit to 1,000 USD.
let dir: string
let live: BuiltBundle
let candidate: BuiltBundle
beforeAll(async () => {
  dir = makeTempDir('arbiter-insights-')
  ;({ live, candidate } = await buildLiveAndCandidate(dir))
}, 180_000)
afterAll(() => removeDir(dir))

const json = async <T = Record<string, unknown>>(response: Response): Promise<T> =>
  (await response.json()) as T

interface Counts {
  decisions: number
  shadowed: number
  agree: number
  disagree: number
  errors: number
  agreement_rate: number | null
}
interface RolloutJson {
  since: string
  until: string
  bucket: string
  shadow: { configured: boolean; bundle: { revision: string; sha256: string } | null; error: string | null }
  totals: Counts
  series: Array<{ start: string } & Counts>
  candidates: Array<{ revision: string; sha256: string; decisions: number }>
  disagreements: Array<{ chain: string; seq: number; body: { action: string; shadow: { action: string } } }>
}

describe.each(backendFactories)('dashboard routes on %s', (_name, createBackend) => {
  let backend: TestBackend
  let f: ServerFixture
  beforeAll(async () => {
    backend = await createBackend()
    f = await startServerFixture(backend, {}, { bundlePath: live.path, shadowBundlePath: candidate.path })
    const decide = async (input: unknown) => {
      const response = await f.call('/v1/decisions', { method: 'POST', key: f.keys.agent, body: input })
      expect(response.status).toBe(200)
      return json<{ status: string; decision_id: string; approval?: { approval_id: string } }>(response)
    }
    // Live allows 5,000 for a teller (the candidate denies), both allow 500, both deny 50,000.
    expect((await decide(transferCall(5000, ['teller']))).status).toBe('allowed')
    expect((await decide(transferCall(500, ['teller']))).status).toBe('allowed')
    expect((await decide(transferCall(50_000, ['teller']))).status).toBe('denied')
    // Two approvals: one granted, one left waiting.
    const granted = await decide(transferCall(20_000, ['payments_officer']))
    await decide(transferCall(30_000, ['payments_officer']))
    const vote = await f.call(`/v1/approvals/${granted.approval?.approval_id}`, {
      method: 'POST',
      key: f.keys.approver,
      body: { verdict: 'approve' },
    })
    expect(vote.status).toBe(200)
    // A conflict reported by a vendor runtime, linked to its decision.
    const guard = f.composed.guard
    const recorded = await guard.decide({
      ...transferCall(50_000, ['teller']),
      agent: { id: 'fin-assistant', runtime: 'anthropic-managed-agents' },
    })
    await guard.record(
      'conflict',
      toConflictBody({
        decisionId: recorded.decisionId,
        kind: 'runtime_allowed_policy_denied',
        runtime: { decision: 'allow', policy: 'always_allow' },
        policyAction: 'deny',
        reasons: recorded.decision.reasons,
        interrupted: true,
      }),
    )
  }, 120_000)
  afterAll(async () => {
    await f?.close()
    await backend?.dispose()
  })

  const get = (path: string, key = f.keys.auditor) => f.call(path, { key })

  describe('GET /v1/rollout', () => {
    it('reports agreement over time and lists the disagreeing decision', async () => {
      const response = await get('/v1/rollout')
      expect(response.status).toBe(200)
      const r = await json<RolloutJson>(response)
      expect(r.shadow).toEqual({
        configured: true,
        bundle: { revision: 'candidate-r2', sha256: candidate.sha256 },
        error: null,
      })
      expect(r.bucket).toBe('hour')
      // 3 teller transfers + 2 officer transfers (the candidate agrees on those) + the conflict's decision.
      expect(r.totals).toEqual({
        decisions: 6,
        shadowed: 6,
        agree: 5,
        disagree: 1,
        errors: 0,
        agreement_rate: 5 / 6,
      })
      // 24 hours not aligned to the hour touch 25 hour buckets (24 when they are).
      expect([24, 25]).toContain(r.series.length)
      expect(r.series.reduce((sum, b) => sum + b.disagree, 0)).toBe(1)
      expect(r.candidates).toEqual([{ revision: 'candidate-r2', sha256: candidate.sha256, decisions: 6 }])
      expect(r.disagreements).toHaveLength(1)
      expect(r.disagreements[0]?.body).toMatchObject({ action: 'allow', shadow: { action: 'deny' } })
    })

    it('filters by a rule of either bundle and by tool', async () => {
      const byRule = await json<RolloutJson>(await get('/v1/rollout?rule=fintech.transfer_limit'))
      // 5,000 (the candidate's rule), 50,000 twice (both bundles).
      expect(byRule.totals.decisions).toBe(3)
      expect(byRule.totals.disagree).toBe(1)
      const byTool = await json<RolloutJson>(await get('/v1/rollout?tool=accounts.get_balance'))
      expect(byTool.totals.decisions).toBe(0)
      expect(byTool.totals.agreement_rate).toBeNull()
    })

    it('answers per minute over a short range', async () => {
      const until = new Date(Date.now() + 60_000)
      const since = new Date(until.getTime() - 30 * 60_000)
      const r = await json<RolloutJson>(
        await get(`/v1/rollout?bucket=minute&since=${since.toISOString()}&until=${until.toISOString()}`),
      )
      expect(r.series.length).toBeGreaterThanOrEqual(30)
      expect(r.series.reduce((sum, b) => sum + b.shadowed, 0)).toBe(6)
    })

    it.each([
      ['since after until', '?since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z'],
      ['too many buckets', '?bucket=minute&since=2026-01-01T00:00:00Z&until=2026-02-01T00:00:00Z'],
      ['an unknown bucket', '?bucket=week'],
      ['a time that is not RFC 3339', '?since=yesterday'],
      ['an unknown parameter', '?foo=1'],
    ])('answers 400 VALIDATION_FAILED for %s', async (_what, query) => {
      const response = await get(`/v1/rollout${query}`)
      expect(response.status).toBe(400)
      const body = await json<{ error: { code: string; message: string } }>(response)
      expect(body.error.code).toBe('VALIDATION_FAILED')
      expect(body.error.message).toMatch(/\w/)
    })

    it('refuses agents (403) and callers without a key (401)', async () => {
      expect((await get('/v1/rollout', f.keys.agent)).status).toBe(403)
      expect((await f.call('/v1/rollout')).status).toBe(401)
      expect((await get('/v1/overview', f.keys.agent)).status).toBe(403)
      expect((await f.call('/v1/overview')).status).toBe(401)
    })

    it('counts agreement and disagreement by rule in the Prometheus metrics', async () => {
      const text = await (await f.call('/metrics')).text()
      expect(text).toMatch(
        /arbiter_shadow_decisions_total\{result="disagree",rule="fintech.transfer_limit"\} 1\b/,
      )
      expect(text).toMatch(
        /arbiter_shadow_decisions_total\{result="agree",rule="fintech.transfer_limit"\} 2\b/,
      )
      expect(text).toMatch(/arbiter_shadow_errors_total 0\b/)
    })
  })

  describe('GET /v1/overview', () => {
    it('aggregates decisions, denying rules, conflicts, approvals and shadow agreement', async () => {
      const response = await get('/v1/overview')
      expect(response.status).toBe(200)
      const o = await json<{
        totals: Record<string, number>
        decisions_per_hour: Array<Record<string, number | string>>
        top_denying_rules: Array<{ rule: string; count: number }>
        conflicts_by_runtime: Array<{ runtime: string; kind: string; count: number }>
        approvals: Record<string, number | null>
        shadow: Record<string, unknown>
      }>(response)
      expect(o.totals).toEqual({ allow: 2, deny: 2, require_approval: 2 })
      expect([24, 25]).toContain(o.decisions_per_hour.length)
      expect(o.decisions_per_hour.reduce((sum, h) => sum + Number(h.deny), 0)).toBe(2)
      expect(o.top_denying_rules[0]).toEqual({ rule: 'fintech.transfer_limit', count: 2 })
      expect(o.conflicts_by_runtime).toEqual([
        { runtime: 'anthropic-managed-agents', kind: 'runtime_allowed_policy_denied', count: 1 },
      ])
      expect(o.approvals).toMatchObject({ waiting: 1, approved: 1 })
      expect(o.approvals.median_seconds_to_approve).toBeGreaterThanOrEqual(0)
      expect(o.shadow).toMatchObject({ configured: true, shadowed: 6, agree: 5, disagree: 1, errors: 0 })
    })

    it('answers 400 for a range over 31 days and an empty range', async () => {
      const wide = await get('/v1/overview?since=2026-01-01T00:00:00Z&until=2026-03-01T00:00:00Z')
      expect(wide.status).toBe(400)
      const empty = await get('/v1/overview?since=2026-01-01T00:00:00Z&until=2026-01-01T00:00:00Z')
      expect(empty.status).toBe(400)
    })

    it('counts nothing outside the range', async () => {
      const o = await json<{ totals: Record<string, number> }>(
        await get('/v1/overview?since=2020-01-01T00:00:00Z&until=2020-01-02T00:00:00Z'),
      )
      expect(o.totals).toEqual({ allow: 0, deny: 0, require_approval: 0 })
    })
  })
})

describe('a server whose shadow bundle cannot be loaded', () => {
  let backend: TestBackend
  let f: ServerFixture
  beforeAll(async () => {
    backend = await createPgliteBackend()
    f = await startServerFixture(
      backend,
      {},
      { bundlePath: live.path, shadowBundlePath: join(dir, 'missing-candidate.tar.gz') },
    )
  }, 120_000)
  afterAll(async () => {
    await f?.close()
    await backend?.dispose()
  })

  it('keeps deciding with the live bundle and records the shadow error', async () => {
    const response = await f.call('/v1/decisions', {
      method: 'POST',
      key: f.keys.agent,
      body: transferCall(5000, ['teller']),
    })
    expect(response.status).toBe(200)
    expect((await json<{ status: string }>(response)).status).toBe('allowed')
    const r = await json<RolloutJson>(await f.call('/v1/rollout', { key: f.keys.auditor }))
    expect(r.shadow.configured).toBe(true)
    expect(r.shadow.bundle).toBeNull()
    expect(r.shadow.error).toMatch(/\w/)
    expect(r.totals).toMatchObject({ decisions: 1, shadowed: 1, errors: 1, agreement_rate: null })
    expect(await (await f.call('/metrics')).text()).toMatch(/arbiter_shadow_errors_total 1\b/)
  })
})
