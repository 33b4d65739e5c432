import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { verifyChain } from '../../src/ledger/index.js'
import { backendFactories, type TestBackend } from '../support/backends.js'
import { type OpenLedger, openLedger } from './support.js'

describe.each(backendFactories)('unique links and write isolation on %s', (_name, createBackend) => {
  let backend: TestBackend
  let store: OpenLedger

  beforeAll(async () => {
    backend = await createBackend()
    store = await openLedger(backend)
  })
  afterAll(async () => {
    await store?.close()
    await backend?.dispose()
  })

  const outcome = (chain: string, decisionId: string, status = 'ok') =>
    store.ledger.append({ chain, type: 'outcome', body: { decision_id: decisionId, status } })

  describe('when ten writers race to record an outcome for one decision', () => {
    it('stores exactly one and refuses the rest with LEDGER_DUPLICATE', async () => {
      await store.ledger.append({
        chain: 'race',
        type: 'decision',
        body: { decision_id: 'd1', action: 'allow' },
      })
      const settled = await Promise.allSettled(Array.from({ length: 10 }, () => outcome('race', 'd1')))
      expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(1)
      for (const s of settled.filter((r) => r.status === 'rejected'))
        expect((s as PromiseRejectedResult).reason).toMatchObject({ code: 'LEDGER_DUPLICATE' })
      const stored = await store.ledger.findByBodyField('decision_id', 'd1', {
        chain: 'race',
        type: 'outcome',
      })
      expect(stored).toHaveLength(1)
    })

    it('keeps the constraint per chain: the same decision id on another chain is independent', async () => {
      await expect(outcome('race-other', 'd1')).resolves.toMatchObject({ seq: 1 })
    })
  })

  it.each([
    ['decision', { decision_id: 'a', event_id: 'sevt_1' }, { decision_id: 'b', event_id: 'sevt_1' }],
    ['conflict', { decision_id: 'a', event_id: 'sevt_2' }, { decision_id: 'a', event_id: 'sevt_2' }],
    ['approval_request', { decision_id: 'd9', approval_id: 'p1' }, { decision_id: 'd9', approval_id: 'p2' }],
    ['approval', { approval_id: 'p1', verdict: 'timeout' }, { approval_id: 'p1', verdict: 'timeout' }],
  ])('refuses a second %s for the same link', async (type, first, second) => {
    await store.ledger.append({ chain: `links-${type}`, type, body: first })
    await expect(store.ledger.append({ chain: `links-${type}`, type, body: second })).rejects.toThrowWithCode(
      'LEDGER_DUPLICATE',
    )
  })

  it('still allows many decisions without an event id and many approval votes', async () => {
    for (let i = 0; i < 3; i++) {
      await store.ledger.append({ chain: 'free', type: 'decision', body: { decision_id: `x${i}` } })
      await store.ledger.append({
        chain: 'free',
        type: 'approval',
        body: { approval_id: 'p', verdict: 'approve' },
      })
    }
    expect((await store.ledger.head('free'))?.seq).toBe(6)
  })

  describe('when bad entries share a write batch with valid ones', () => {
    it('commits every valid entry and fails only the offenders', async () => {
      const chain = 'mixed'
      await store.ledger.append({ chain, type: 'decision', body: { decision_id: 'dup' } })
      await outcome(chain, 'dup')
      // 150 valid appends interleaved with 15 duplicates, all queued before the writer runs, so they
      // share transactions.
      const calls = Array.from({ length: 165 }, (_, i) =>
        i % 11 === 10 ? outcome(chain, 'dup') : outcome(chain, `valid-${i}`),
      )
      const settled = await Promise.allSettled(calls)
      const failed = settled.flatMap((s, i) => (s.status === 'rejected' ? [i] : []))
      expect(failed).toEqual(Array.from({ length: 15 }, (_, k) => k * 11 + 10))
      for (const i of failed)
        expect((settled[i] as PromiseRejectedResult).reason).toMatchObject({ code: 'LEDGER_DUPLICATE' })
      const report = await verifyChain(store.ledger, chain)
      expect(report).toMatchObject({ ok: true, entries: 152 })
    })
  })
})
