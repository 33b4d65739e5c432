import { CompiledQuery, sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type DatabaseHandle,
  migrateToLatest,
  openDatabase,
  pinRangeScanPlan,
} from '../../src/ledger/index.js'
import { databaseBatches, replayConditions, replayPageQuery } from '../../src/replay/database-source.js'
import type { ReplaySelection } from '../../src/replay/index.js'
import { backendFactories, type TestBackend } from '../support/backends.js'

// A ledger just filled and not yet analyzed: the planner used to answer each keyset page with a bitmap
// scan of every remaining row and a sort, so a replay of a large ledger read it quadratically (the
// 1,000,000-decision benchmark ran for minutes on one backend). Every page must be the primary key's
// ordered range scan from the cursor.

const ROWS = 20_000
const HEX = 'ab'.repeat(32)

async function fill(db: DatabaseHandle['db']): Promise<void> {
  // Rows written straight into the table (the plan, not the chain, is under test): two chains,
  // decisions and outcomes alternating, increasing timestamps, a tool name in each decision.
  await sql`insert into ledger_entries (chain, seq, ts, type, body, prev, hash)
    select case when g % 4 < 2 then 'pay' else 'ops' end, g,
      to_char(timestamp '2026-01-01' + g * interval '1 second', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
      case when g % 2 = 0 then 'decision' else 'outcome' end,
      json_build_object('decision_id', 'd' || g, 'input', json_build_object('tool', json_build_object('name', 't' || (g % 7)))),
      ${HEX}, ${HEX}
    from generate_series(1, ${ROWS}) g`.execute(db)
}

describe.each(backendFactories)('replay pages on %s', (_name, createBackend) => {
  let backend: TestBackend
  let handle: DatabaseHandle

  beforeAll(async () => {
    backend = await createBackend()
    handle = await openDatabase(
      backend.databaseUrl ? { databaseUrl: backend.databaseUrl } : { dataDir: backend.dataDir! },
    )
    await migrateToLatest(handle.db)
    await fill(handle.db)
  }, 120_000)
  afterAll(async () => {
    await handle?.close()
    await backend?.dispose()
  })

  async function planOf(selection: ReplaySelection, after: readonly [string, string] | null) {
    return handle.db.transaction().execute(async (trx) => {
      await pinRangeScanPlan(trx)
      const page = replayPageQuery(trx, replayConditions(selection), after, 500).compile()
      const result = await trx.executeQuery<{ 'QUERY PLAN': string }>(
        CompiledQuery.raw(`EXPLAIN ${page.sql}`, [...page.parameters]),
      )
      return result.rows.map((r) => r['QUERY PLAN']).join('\n')
    })
  }

  it.each<[string, ReplaySelection, readonly [string, string] | null]>([
    ['one chain, first page', { chain: 'pay' }, null],
    ['one chain, after a cursor', { chain: 'pay' }, ['pay', '9000']],
    [
      'every chain, a time window',
      { since: new Date('2026-01-01T01:00:00Z'), until: new Date('2026-01-01T02:00:00Z') },
      ['ops', '3'],
    ],
    ['a tool, every chain', { tool: 't3' }, ['ops', '11']],
    ['everything', {}, ['ops', '2']],
  ])(
    '%s: the primary key read in order from the cursor, no sort, no bitmap',
    async (_what, selection, after) => {
      const plan = await planOf(selection, after)
      expect(plan).toMatch(/Index Scan using ledger_entries_pkey/)
      expect(plan).not.toMatch(/Sort|Bitmap|Seq Scan/)
    },
  )

  it('streams every selected decision once, in (chain, seq) order, in pages of its own transactions', async () => {
    const seen: [string, number][] = []
    for await (const batch of databaseBatches(handle.db, {}, 500)) {
      if (!('rows' in batch)) throw new Error('a database source yields rows')
      for (const row of batch.rows) seen.push([row[0], row[1]])
    }
    expect(seen).toHaveLength(ROWS / 2)
    const sorted = [...seen].sort((a, b) => (a[0] === b[0] ? a[1] - b[1] : a[0] < b[0] ? -1 : 1))
    expect(seen).toEqual(sorted)
    expect(new Set(seen.map(([c, s]) => `${c}/${s}`)).size).toBe(ROWS / 2)
    // The settings were LOCAL to each page's transaction: the pool's sessions are left as they were.
    const setting = await sql<{ enable_sort: string }>`SHOW enable_sort`.execute(handle.db)
    expect(setting.rows[0]?.enable_sort).toBe('on')
  })
})
