import type { Kysely } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLedgerQueries, type LedgerQueries } from '../../src/ledger/index.js'
import { backendFactories, openMigratedDatabase, type TestBackend } from '../support/backends.js'

// Rows are inserted directly: the queries are read-only and do not check hashes, so the fixture can
// pin timestamps (ties across chains) and bodies (malformed reasons) that the append path never writes.
const hash = (n: number) => n.toString(16).padStart(64, '0')

describe.each(backendFactories)('createLedgerQueries on %s', (_name, createBackend) => {
  let backend: TestBackend
  let close: () => Promise<void>
  let queries: LedgerQueries

  beforeAll(async () => {
    backend = await createBackend()
    const opened = await openMigratedDatabase(backend)
    close = opened.close
    // biome-ignore lint/suspicious/noExplicitAny: fixture rows go straight into the fixed schema
    const db = opened.db as Kysely<any>
    const decision = (tool: string, action: string, reasons: unknown, principal = 'p1') => ({
      decision_id: `d-${tool}-${action}`,
      input: {
        tool: { name: tool },
        agent: { id: 'a1' },
        principal: { id: principal },
        session: { id: 's1' },
      },
      action,
      reasons,
    })
    const rows: Array<[string, number, string, string, unknown]> = [
      ['alpha', 1, '2026-01-01T00:00:00.000Z', 'decision', decision('pay', 'allow', [])],
      [
        'beta',
        1,
        '2026-01-01T00:00:00.000Z',
        'decision',
        decision('pay', 'deny', [{ rule: 'fin.limit', message: 'over 100% of the limit' }]),
      ],
      ['alpha', 2, '2026-01-01T00:00:00.000Z', 'decision', decision('mail', 'deny', 'not an array')],
      [
        'alpha',
        3,
        '2026-01-02T00:00:00.000Z',
        'approval_request',
        { decision_id: 'd-x', approval_id: 'ap-1', count: 1, expires_at: '2026-01-02T01:00:00.000Z' },
      ],
      [
        'alpha',
        4,
        '2026-01-02T00:10:00.000Z',
        'approval',
        { decision_id: 'd-x', approval_id: 'ap-1', verdict: 'approve' },
      ],
      [
        'beta',
        2,
        '2026-01-03T00:00:00.000Z',
        'approval_request',
        { decision_id: 'd-y', approval_id: 'ap-2', count: 1, expires_at: '2027-01-01T00:00:00.000Z' },
      ],
      ['beta', 3, '2026-01-03T00:00:01.000Z', 'outcome', { decision_id: 'd-pay-deny', status: 'not_run' }],
    ]
    for (const [chain, seq, ts, type, body] of rows)
      await db
        .insertInto('ledger_entries')
        .values({ chain, seq, ts, type, body: JSON.stringify(body), prev: hash(seq), hash: hash(seq + 1) })
        .execute()
    await db
      .insertInto('ledger_heads')
      .values([
        { chain: 'alpha', seq: 4, hash: hash(5) },
        { chain: 'beta', seq: 3, hash: hash(4) },
      ])
      .execute()
    for (const seq of [2, 4])
      await db
        .insertInto('ledger_checkpoints')
        .values({
          chain: 'alpha',
          seq,
          hash: hash(seq + 1),
          ts: `2026-01-0${seq}T00:00:00.000Z`,
          key_id: 'k1',
          sig: 'c2ln',
          public_key: 'cGs=',
        })
        .execute()
    queries = createLedgerQueries(opened.db)
  })

  afterAll(async () => {
    await close?.()
    await backend?.dispose()
  })

  describe('listEntries', () => {
    it('orders newest first with chain and seq breaking timestamp ties, and pages without gaps', async () => {
      const order: string[] = []
      let cursor: string | undefined
      do {
        const page = await queries.listEntries({}, { limit: 2, ...(cursor ? { cursor } : {}) })
        order.push(...page.entries.map((e) => `${e.chain}#${e.seq}`))
        cursor = page.nextCursor ?? undefined
      } while (cursor)
      expect(order).toEqual(['beta#3', 'beta#2', 'alpha#4', 'alpha#3', 'beta#1', 'alpha#2', 'alpha#1'])
    })

    it('treats search text literally (no LIKE wildcards) and survives bodies whose reasons are not an array', async () => {
      expect((await queries.listEntries({ text: '100%' })).entries.map((e) => e.chain)).toEqual(['beta'])
      expect((await queries.listEntries({ text: '_' })).entries).toEqual([])
      expect((await queries.listEntries({ rule: 'fin.limit', action: 'deny' })).entries).toHaveLength(1)
      expect((await queries.listEntries({ action: 'deny' })).entries).toHaveLength(2)
    })

    it('filters by tool, principal, session, agent, chain, type, decision id and time', async () => {
      expect((await queries.listEntries({ tool: 'pay', chain: 'alpha' })).entries).toHaveLength(1)
      expect(
        (await queries.listEntries({ principal: 'p1', agent: 'a1', session: 's1' })).entries,
      ).toHaveLength(3)
      expect((await queries.listEntries({ type: 'approval_request' })).entries).toHaveLength(2)
      expect((await queries.listEntries({ decisionId: 'd-pay-deny' })).entries.map((e) => e.type)).toEqual([
        'outcome',
        'decision',
      ])
      const window = { from: new Date('2026-01-02T00:00:00Z'), to: new Date('2026-01-03T00:00:00Z') }
      expect((await queries.listEntries(window)).entries.map((e) => e.seq)).toEqual([4, 3])
    })

    it('throws VALIDATION_FAILED for a cursor it did not issue', async () => {
      await expect(queries.listEntries({}, { cursor: 'bm90IGpzb24' })).rejects.toThrowWithCode(
        'VALIDATION_FAILED',
      )
      const forged = Buffer.from(JSON.stringify(['x', 'y', -1])).toString('base64url')
      await expect(queries.listEntries({}, { cursor: forged })).rejects.toThrowWithCode('VALIDATION_FAILED')
    })
  })

  it('getEntry and linkedEntries find entries by position and decision id', async () => {
    expect((await queries.getEntry('beta', 1))?.body.action).toBe('deny')
    expect(await queries.getEntry('beta', 99)).toBeNull()
    expect((await queries.linkedEntries('d-pay-deny')).map((e) => `${e.chain}#${e.seq}`)).toEqual([
      'beta#1',
      'beta#3',
    ])
    expect(await queries.linkedEntries('d-pay-deny', 'alpha')).toEqual([])
  })

  it('chainSummaries gives each head with its latest checkpoint', async () => {
    expect(await queries.chainSummaries()).toEqual([
      {
        chain: 'alpha',
        head: { seq: 4, hash: hash(5) },
        lastCheckpoint: { seq: 4, hash: hash(5), ts: '2026-01-04T00:00:00.000Z', keyId: 'k1' },
      },
      { chain: 'beta', head: { seq: 3, hash: hash(4) }, lastCheckpoint: null },
    ])
  })

  it('listApprovals returns requests with their votes, optionally only unexpired ones', async () => {
    const all = await queries.listApprovals()
    expect(all.map((a) => a.request.body.approval_id)).toEqual(['ap-2', 'ap-1'])
    expect(all[1]?.votes.map((v) => v.body.verdict)).toEqual(['approve'])
    const open = await queries.listApprovals({ expiresAfter: new Date('2026-06-01T00:00:00Z') })
    expect(open.map((a) => a.request.body.approval_id)).toEqual(['ap-2'])
  })
})
