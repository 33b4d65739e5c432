// Child process of the replay benchmark: replay one chain from the database against a candidate on
// worker threads, report, exit. Its VmHWM is the replay's own peak memory (worker threads included:
// they live in this process), not the harness's.
import { readFileSync } from 'node:fs'
import { createBundleArchive } from '../../src/ledger/index.js'
import { archiveSource, databaseBatches, runReplay } from '../../src/replay/index.js'
import { tellParent } from '../lib/child.js'
import { currentRssMB, peakRssMB } from '../lib/machine.js'
import { nowUs } from '../lib/stats.js'
import { openStore, parseLocation } from '../lib/store.js'

const location = parseLocation(process.argv[2])
const chain = process.argv[3] ?? 'bench-replay'
const candidatePath = process.argv[4] ?? ''
try {
  const store = await openStore(location, { migrate: false })
  const startRssMB = currentRssMB()
  const t0 = nowUs()
  const report = await runReplay({
    candidate: readFileSync(candidatePath),
    source: databaseBatches(store.db, { chain }),
    recordedBundle: archiveSource(createBundleArchive(store.db)),
  })
  const seconds = (nowUs() - t0) / 1e6
  tellParent({
    type: 'result',
    seconds,
    peakRssMB: peakRssMB(),
    startRssMB,
    decisions: report.decisions,
    replayed: report.replayed,
    changed: Object.values(report.changes).reduce((a, b) => a + b, 0),
    notReplayable: Object.values(report.notReplayable).reduce((a, b) => a + b, 0),
  })
  await store.close()
} catch (error) {
  tellParent({ type: 'error', message: error instanceof Error ? error.message : String(error) })
  process.exitCode = 1
}
