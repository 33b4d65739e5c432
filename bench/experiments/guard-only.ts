// Experiment: guarded calls alone at one concurrency on PostgreSQL, for --cpu-prof. Usage:
//   node --import tsx --cpu-prof --cpu-prof-dir=/tmp/profg bench/experiments/guard-only.ts [concurrency] [seconds]
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildBundle, loadPolicyEngine } from '../../src/policy/index.js'
import { createBenchGuard } from '../lib/guard.js'
import { allowedInput } from '../lib/inputs.js'
import { createThrowawayDatabase } from '../lib/postgres.js'
import { closedLoop } from '../lib/stats.js'
import { openStore } from '../lib/store.js'

const c = Number(process.argv[2] ?? '256')
const seconds = Number(process.argv[3] ?? '5')
const dir = mkdtempSync(join(tmpdir(), 'bench-exp-'))
const { path } = await buildBundle({ outPath: join(dir, 'b.tar.gz'), quiet: true })
const engine = await loadPolicyEngine({ bundlePath: path })
const tdb = await createThrowawayDatabase('postgres://postgres@127.0.0.1:5432/test', 'exp')
try {
  const store = await openStore({ kind: 'postgres', databaseUrl: tdb.url, poolSize: 20 })
  const guard = createBenchGuard(engine, store, 'g')
  const input = allowedInput()
  const r = await closedLoop(c, seconds * 1000, 1000, () => guard.call(input))
  console.log(`c=${c} ${r.opsPerSec}/s p50 ${r.latency.p50Us}us errors ${r.errors} ${r.firstError ?? ''}`)
  await store.close()
} finally {
  await tdb.drop()
  await engine.close()
}
