import { describe, expect, it, vi } from 'vitest'
import {
  createApprovalDesk,
  createFreeTextScrubber,
  MAX_STORED_TEXT,
  WITHHELD_TEXT,
} from '../../src/guard/index.js'
import { redactionMatches } from '../../src/ledger/index.js'
import {
  contexts,
  entriesOf,
  guardFor,
  loadBrokenPolicy,
  redactionKey,
  usePgliteGuardEnvironment,
} from '../support/guard-harness.js'

const env = usePgliteGuardEnvironment('scrub')

const search = (args: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  tool: { name: 'web.search', kind: 'client' },
  arguments: args,
  ...contexts.teller,
  ...extra,
})

async function lastBody(type: string) {
  const entries = await entriesOf(env.store.ledger, env.chain)
  return entries.filter((e) => e.type === type).at(-1)!.body as Record<string, unknown>
}

describe('the decision entry', () => {
  it('redacts context by the policy and identity strings by the detectors, and says where', async () => {
    const verdict = await env.guard.check(
      search(
        { query: 'q' },
        {
          principal: { id: '078-05-1120', roles: ['teller'] },
          context: { note: 'customer DE89370400440532013000', ticket: 7 },
        },
      ),
    )
    expect(verdict.kind).toBe('allow')
    const body = await lastBody('decision')
    const input = body.input as { principal: { id: string }; context: Record<string, unknown> }
    expect(input.principal.id).toBe('[redacted]')
    expect(redactionMatches('customer DE89370400440532013000', input.context.note, redactionKey)).toBe(true)
    expect(input.context).toMatchObject({ ticket: 7, time: expect.stringMatching(/Z$/) })
    expect(body.redacted_input).toEqual(['/context/note', '/principal/id'])
    expect(JSON.stringify(body)).not.toContain('078-05-1120')
  })

  it('keeps the body as before when nothing is sensitive', async () => {
    await env.guard.check(search({ query: 'q' }))
    const body = await lastBody('decision')
    expect(body).not.toHaveProperty('redacted_input')
    expect(body.redacted).toEqual([])
  })

  it('redacts all arguments and context when the policy fails and so names nothing', async () => {
    const broken = await loadBrokenPolicy()
    try {
      const guard = guardFor(env.store.ledger, broken, { chain: env.chain })
      await guard.check(search({ query: '078-05-1120' }, { context: { note: 'x' } }))
      const body = await lastBody('decision')
      expect(body.redacted).toEqual([''])
      expect(body.redacted_input).toEqual(['/context'])
      expect((body.input as { arguments: unknown }).arguments).toEqual({
        redacted: expect.stringMatching(/^hmac/),
      })
      await expect(broken.scanTexts(['x'])).rejects.toThrowWithCode('POLICY_SCAN_FAILED')
    } finally {
      await broken.close()
    }
  })
})

describe('free text', () => {
  it('scrubs a stored result with the call values and keeps the digest of the raw result', async () => {
    const guard = guardFor(env.store.ledger, env.policy, { chain: env.chain, recordResults: true })
    const args = { account_number: 'acct-77', query: 'balance' }
    const result = { owner: 'acct-77', note: 'ssn 078-05-1120', n: 3 }
    await guard.execute(
      { ...search(args), tool: { name: 'accounts.get_balance', kind: 'client' } },
      () => result,
    )
    const body = await lastBody('outcome')
    expect(body.result).toEqual({ owner: '[redacted]', note: 'ssn [redacted]', n: 3 })
    expect(body.result_sha256).toMatch(/^[0-9a-f]{64}$/)
    expect(result.owner).toBe('acct-77')
  })

  it('cuts long error text without splitting a character', async () => {
    const verdict = await env.guard.check(search({ query: 'q' }))
    await env.guard.recordOutcome(verdict.decisionId, {
      status: 'error',
      error: `${'x'.repeat(MAX_STORED_TEXT - 1)}😀tail`,
    })
    const error = (await lastBody('outcome')).error as string
    expect(error).toBe(`${'x'.repeat(MAX_STORED_TEXT - 1)} [truncated]`)
  })

  it('is withheld when the bundle has no detectors', async () => {
    const broken = await loadBrokenPolicy()
    try {
      const texts = createFreeTextScrubber({ policy: broken })
      expect(await texts.scrub(['plain words', 'ssn 078-05-1120'])).toEqual([WITHHELD_TEXT, WITHHELD_TEXT])
      expect(await createFreeTextScrubber({ policy: {} }).scrub(['x'])).toEqual([WITHHELD_TEXT])
      expect(await texts.scrub([])).toEqual([])
    } finally {
      await broken.close()
    }
  })

  it('withholds approval comments on a desk that cannot check them', async () => {
    const guard = guardFor(env.store.ledger, env.policy, { chain: env.chain })
    const desk = createApprovalDesk({ ledger: env.store.ledger, chain: env.chain })
    const transfer = guard.wrap('payments.transfer', (_args: object) => 'sent', { context: contexts.officer })
    const running = transfer({
      amount: 40_000,
      currency: 'USD',
      from_account: 'a',
      to_account: 'b',
      counterparty: 'c',
    })
    let approvalId = ''
    await vi.waitFor(async () => {
      approvalId = (await desk.pending())[0]?.approvalId ?? ''
      expect(approvalId).not.toBe('')
    })
    await desk.approve(approvalId, { id: 'emp-317', roles: ['payments_officer'] }, 'fine, acct 4401778812')
    await expect(running).resolves.toBe('sent')
    expect((await lastBody('approval')).comment).toBe(WITHHELD_TEXT)
  })
})
