// Experiment (until src/ledger/index.ts exists): item 3 through the ledger's internal modules.
import { createLedger } from '../src/ledger/create-ledger.js'
import { openDatabase } from '../src/ledger/database.js'
import { migrateToLatest } from '../src/ledger/migrations.js'
import { parseOptions } from './lib/options.js'
import { createThrowawayDatabase } from './lib/postgres.js'
import { benchAppend } from './sections/append.js'

const options = parseOptions(process.argv.slice(2))
const tdb = await createThrowawayDatabase(options.serverUrl, 'exp')
try {
  const handle = await openDatabase({ databaseUrl: tdb.url, poolSize: options.poolSize })
  await migrateToLatest(handle.db)
  const ledger = createLedger(handle.db)
  // biome-ignore lint/suspicious/noExplicitAny: experiment
  const store = { kind: 'postgres' as const, db: handle.db as any, ledger, close: async () => {} }
  const r = await benchAppend(options, store)
  for (const p of r.points)
    console.log(
      `c=${p.concurrency} arbiter ${p.arbiter.opsPerSec} (p50 ${p.arbiter.latency.p50Us}us, err ${p.arbiter.errors} ${p.arbiter.firstError ?? ''}) naive ${p.naive.opsPerSec} plain ${p.plain.opsPerSec} → ${p.vsNaive}× / ${p.vsPlain}×`,
    )
  await ledger.close()
  await handle.close()
} finally {
  await tdb.drop()
}
