// Experiment: Arbiter's append alone at one concurrency, for --cpu-prof. Usage:
//   node --import tsx --cpu-prof --cpu-prof-dir=/tmp/prof bench/experiments/append-only.ts [concurrency] [seconds]
import { createLedger, migrateToLatest, openDatabase } from '../../src/ledger/index.js'
import { createThrowawayDatabase } from '../lib/postgres.js'
import { sampleDecisionBody } from '../lib/rows.js'
import { closedLoop } from '../lib/stats.js'

const c = Number(process.argv[2] ?? '256')
const seconds = Number(process.argv[3] ?? '5')
const tdb = await createThrowawayDatabase('postgres://postgres@127.0.0.1:5432/test', 'exp')
try {
  const handle = await openDatabase({ databaseUrl: tdb.url, poolSize: 20 })
  await migrateToLatest(handle.db)
  let commits = 0
  let entries = 0
  const ledger = createLedger(handle.db, {
    onCommit: (_chain, _last, count) => {
      commits++
      entries += count
    },
  })
  let i = 0
  const r = await closedLoop(c, seconds * 1000, 1000, () =>
    ledger.append({ chain: 'p', type: 'decision', body: sampleDecisionBody(i++) }),
  )
  console.log(`c=${c} ${r.opsPerSec}/s p50 ${r.latency.p50Us}us errors ${r.errors}`)
  // Includes the warm-up: the mean batch and the mean time one batch holds the chain.
  const total = seconds + 1
  console.log(
    `${commits} commits, mean batch ${(entries / commits).toFixed(0)}, ${((total * 1000) / commits).toFixed(1)} ms per commit`,
  )
  await ledger.close()
  await handle.close()
} finally {
  await tdb.drop()
}
