import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLedger, type LedgerEntry, verifyChain } from '../../src/ledger/index.js'
import { backendFactories, type TestBackend } from '../support/backends.js'
import { type OpenLedger, openLedger } from './support.js'

/** Counts the statements a Kysely instance runs (BEGIN and COMMIT included). */
class StatementCounter implements KyselyPlugin {
  count = 0
  transformQuery(args: PluginTransformQueryArgs) {
    this.count += 1
    return args.node
  }
  async transformResult(args: PluginTransformResultArgs) {
    return args.result
  }
}

// A writer that committed the previous batch of a chain commits the next one in one statement
// conditioned on the head it left; when another writer moved the head meanwhile, that statement
// writes nothing and the writer takes the locking path. Two ledger instances stand for two processes
// (each keeps its own idea of the head; the database is all they share).
describe.each(backendFactories)('commits on a known head on %s', (_name, createBackend) => {
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

  it('alternating writers never fork or gap the chain, and each append lands after the other', async () => {
    const other = createLedger(store.handle.db)
    const chain = 'alternating'
    const seen: LedgerEntry[] = []
    try {
      for (let round = 0; round < 20; round += 1) {
        const writer = round % 3 === 0 ? other : store.ledger
        const batch = await Promise.all(
          Array.from({ length: 1 + (round % 4) }, (_, i) =>
            writer.append({ chain, type: 'decision', body: { round, i } }),
          ),
        )
        seen.push(...batch)
      }
    } finally {
      await other.close()
    }
    const seqs = seen.map((e) => e.seq).sort((a, b) => a - b)
    expect(seqs).toEqual(Array.from({ length: seen.length }, (_, i) => i + 1))
    const report = await verifyChain(store.ledger, chain)
    expect(report).toMatchObject({ ok: true, entries: seen.length })
    expect(await store.ledger.head(chain)).toMatchObject({ seq: seen.length, hash: seen.at(-1)?.hash })
  })

  it('a sole writer commits each batch after the first in one statement', async () => {
    const counter = new StatementCounter()
    const ledger = createLedger(store.handle.db.withPlugin(counter))
    try {
      await ledger.append({ chain: 'sole', type: 'decision', body: { n: 0 } })
      const before = counter.count
      for (let n = 1; n <= 5; n += 1) await ledger.append({ chain: 'sole', type: 'decision', body: { n } })
      // Kysely plugins see the statements, not BEGIN/COMMIT: one per batch.
      expect(counter.count - before).toBe(5)
      expect(await verifyChain(ledger, 'sole')).toMatchObject({ ok: true, entries: 6 })
    } finally {
      await ledger.close()
    }
  })
})
