// Experiment (until the ledger front door exists): generate a chain and verify it with the ledger's
// verifier, reporting entries/s; run under --cpu-prof to see where verification time goes.
//   node --import tsx [--cpu-prof --cpu-prof-dir=/tmp/profv] bench/exp-verify.ts [entries] [pageSize]
import { createLedger } from '../src/ledger/create-ledger.js'
import { openDatabase } from '../src/ledger/database.js'
import { migrateToLatest } from '../src/ledger/migrations.js'
import { verifyEntries } from '../src/ledger/verify.js'
import { generateChain } from './lib/generate-chain.js'
import { currentRssMB, peakRssMB } from './lib/machine.js'
import { createThrowawayDatabase } from './lib/postgres.js'
import { nowUs } from './lib/stats.js'

const n = Number(process.argv[2] ?? '200000')
const pageSize = Number(process.argv[3] ?? '1000')
const tdb = await createThrowawayDatabase('postgres://postgres@127.0.0.1:5432/test', 'exp')
try {
  const handle = await openDatabase({ databaseUrl: tdb.url, poolSize: 4 })
  await migrateToLatest(handle.db)
  let t0 = nowUs()
  await generateChain(handle.db, 'v', n)
  console.log(`generated ${n} in ${((nowUs() - t0) / 1e6).toFixed(1)}s; rss ${currentRssMB().toFixed(0)} MB`)
  const ledger = createLedger(handle.db, { pageSize })
  t0 = nowUs()
  const report = await verifyEntries(ledger.rows('v'), { chain: 'v' })
  const s = (nowUs() - t0) / 1e6
  console.log(
    `verify ok=${report.ok} entries=${report.entries} ${s.toFixed(2)}s → ${(report.entries / s).toFixed(0)}/s; peak ${peakRssMB().toFixed(0)} MB`,
    report.failure ?? '',
  )
  t0 = nowUs()
  let k = 0
  for await (const _ of ledger.rows('v')) k++
  const s2 = (nowUs() - t0) / 1e6
  console.log(`read only: ${k} rows ${s2.toFixed(2)}s → ${(k / s2).toFixed(0)}/s`)
  await handle.close()
} finally {
  await tdb.drop()
}
