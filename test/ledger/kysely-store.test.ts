import { generateKeyPairSync } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Checkpointer, GENESIS_PREV, verifyChain } from '../../src/ledger/index.js'
import { FixedClock } from '../../src/shared/index.js'
import { backendFactories, type TestBackend } from '../support/backends.js'
import { eventually } from '../support/eventually.js'
import { type OpenLedger, openLedger } from './support.js'

describe.each(backendFactories)('KyselyLedgerStore on %s', (_name, createBackend) => {
  let backend: TestBackend
  let store: OpenLedger
  const clock = new FixedClock(new Date('2026-11-23T19:40:01.123Z'))

  beforeAll(async () => {
    backend = await createBackend()
    store = await openLedger(backend, { clock })
  })
  afterAll(async () => {
    await store?.close()
    await backend?.dispose()
  })

  describe('append', () => {
    it('starts a chain at seq 1 linked to the genesis hash and resolves with the committed entry', async () => {
      const entry = await store.ledger.append({
        chain: 'first',
        type: 'policy_loaded',
        body: { revision: 'r1' },
      })
      expect(entry).toMatchObject({
        v: 1,
        chain: 'first',
        seq: 1,
        prev: GENESIS_PREV,
        ts: '2026-11-23T19:40:01.123Z',
      })
      expect(entry.hash).toMatch(/^[0-9a-f]{64}$/)
      const second = await store.ledger.append({
        chain: 'first',
        type: 'decision',
        body: { decision_id: 'x' },
      })
      expect(second).toMatchObject({ seq: 2, prev: entry.hash })
      expect(await store.ledger.head('first')).toEqual({ chain: 'first', seq: 2, hash: second.hash })
    })

    it('keeps 1,000 concurrent appends gap-free, in one valid chain', async () => {
      const entries = await Promise.all(
        Array.from({ length: 1000 }, (_, i) =>
          store.ledger.append({ chain: 'busy', type: 'decision', body: { decision_id: `d-${i}`, i } }),
        ),
      )
      expect(entries.map((e) => e.seq).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 1000 }, (_, i) => i + 1),
      )
      const report = await verifyChain(store.ledger, 'busy')
      expect(report).toMatchObject({ ok: true, entries: 1000, head: { seq: 1000 } })
    })

    it('stores the canonical body (undefined members dropped) and returns exactly what was hashed', async () => {
      const entry = await store.ledger.append({
        chain: 'canon',
        type: 'decision',
        body: { b: 1, a: undefined, text: 'é \\u0000' },
      })
      expect(entry.body).toEqual({ b: 1, text: 'é \\u0000' })
      const [read] = await store.ledger.findByBodyField('decision_id', 'none', { chain: 'canon' })
      expect(read).toBeUndefined()
      const all = []
      for await (const e of store.ledger.entries('canon')) all.push(e)
      expect(all).toEqual([entry])
    })

    it.each([
      [{ chain: 'c', type: 'decision', body: [] }, 'LEDGER_BODY_INVALID'],
      [{ chain: 'c', type: 'decision', body: { n: Number.NaN } }, 'LEDGER_BODY_INVALID'],
      [{ chain: 'c', type: 'decision', body: { s: 'a\u0000b' } }, 'LEDGER_BODY_INVALID'],
      [{ chain: '../x', type: 'decision', body: {} }, 'LEDGER_REQUEST_INVALID'],
      [{ chain: 'c', type: '', body: {} }, 'LEDGER_REQUEST_INVALID'],
    ])('rejects %j with %s before queueing', async (request, code) => {
      // biome-ignore lint/suspicious/noExplicitAny: deliberately malformed input
      await expect(store.ledger.append(request as any)).rejects.toThrowWithCode(code)
    })
  })

  describe('reads', () => {
    it('streams a range of entries in seq order with keyset pages', async () => {
      const seqs: number[] = []
      for await (const e of store.ledger.entries('busy', { fromSeq: 995, toSeq: 1000 })) seqs.push(e.seq)
      expect(seqs).toEqual([995, 996, 997, 998, 999, 1000])
    })

    it('finds entries by body field, optionally filtered by chain and type', async () => {
      await store.ledger.append({
        chain: 'other',
        type: 'outcome',
        body: { decision_id: 'd-7', status: 'ok' },
      })
      const both = await store.ledger.findByBodyField('decision_id', 'd-7')
      expect(both.map((e) => `${e.chain}:${e.type}`)).toEqual(['busy:decision', 'other:outcome'])
      expect(await store.ledger.findByBodyField('decision_id', 'd-7', { type: 'outcome' })).toHaveLength(1)
      expect(await store.ledger.findByBodyField('decision_id', 'd-7', { chain: 'busy' })).toHaveLength(1)
      expect(await store.ledger.findByBodyField('approval_id', 'nope')).toEqual([])
    })

    it('lists chains with their heads and returns null for an unknown chain', async () => {
      const chains = await store.ledger.listChains()
      expect(chains.map((c) => c.chain)).toEqual(expect.arrayContaining(['busy', 'canon', 'first', 'other']))
      expect(chains.find((c) => c.chain === 'busy')?.seq).toBe(1000)
      expect(await store.ledger.head('missing')).toBeNull()
    })
  })

  describe('checkpoints', () => {
    it('signs a checkpoint every N entries and verify counts it', async () => {
      const { privateKey } = generateKeyPairSync('ed25519')
      const checkpointer = new Checkpointer(store.handle.db, {
        signingKey: privateKey,
        everyEntries: 10,
        everyMs: 0,
        clock,
      })
      const { createLedger } = await import('../../src/ledger/index.js')
      const ledger = createLedger(store.handle.db, { clock, checkpointer })
      for (let i = 0; i < 25; i++) await ledger.append({ chain: 'cp', type: 'decision', body: { i } })
      await ledger.close()
      const rows = await store.ledger.checkpoints('cp')
      // The background checkpoint signs the head it reads, which may already be a little further on.
      const seqs = rows.map((r) => Number((r as { seq: string }).seq))
      // Two every 10 entries, and the final one `close()` signs.
      expect(seqs).toHaveLength(3)
      expect(seqs[0]).toBeGreaterThanOrEqual(10)
      expect(seqs[1]).toBeGreaterThanOrEqual(20)
      expect(seqs[2]).toBe(25)
      const report = await verifyChain(store.ledger, 'cp')
      expect(report).toMatchObject({ ok: true, entries: 25, checkpoints: 3 })
    })

    it('signs on a timer even when nothing was appended', async () => {
      const { privateKey } = generateKeyPairSync('ed25519')
      const checkpointer = new Checkpointer(store.handle.db, {
        signingKey: privateKey,
        everyEntries: 0,
        everyMs: 50,
      })
      const before = (await store.ledger.checkpoints('first')).length
      checkpointer.start()
      // Two ticks of the timer, however long the loaded machine takes to run them.
      await eventually(async () =>
        expect((await store.ledger.checkpoints('first')).length).toBeGreaterThanOrEqual(before + 2),
      )
      await checkpointer.stop()
      const after = await store.ledger.checkpoints('first')
      expect(after.length).toBeGreaterThanOrEqual(before + 2)
      expect(after.every((r) => Number((r as { seq: string }).seq) === 2)).toBe(true)
    })

    it('returns null for an empty chain', async () => {
      const { privateKey } = generateKeyPairSync('ed25519')
      expect(
        await new Checkpointer(store.handle.db, { signingKey: privateKey }).checkpoint('nothing'),
      ).toBeNull()
    })
  })

  it('rejects appends after close with LEDGER_CLOSED', async () => {
    const { createLedger } = await import('../../src/ledger/index.js')
    const ledger = createLedger(store.handle.db)
    await ledger.close()
    await expect(ledger.append({ chain: 'c', type: 't', body: {} })).rejects.toThrowWithCode('LEDGER_CLOSED')
  })
})
