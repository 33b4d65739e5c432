// Child process of the verification benchmark: open, verify one chain, report, exit. Its VmHWM is the
// verifier's own peak memory, not the harness's.
import { tellParent } from '../lib/child.js'
import { hashBaselinePerSec } from '../lib/hash-baseline.js'
import { currentRssMB, peakRssMB } from '../lib/machine.js'
import { nowUs } from '../lib/stats.js'
import { openStore, parseLocation, verifyStoredChain } from '../lib/store.js'

const location = parseLocation(process.argv[2])
const chain = process.argv[3] ?? 'bench-verify'
try {
  const store = await openStore(location, { migrate: false })
  const startRssMB = currentRssMB()
  const t0 = nowUs()
  const outcome = await verifyStoredChain(store, chain)
  const seconds = (nowUs() - t0) / 1e6
  const peak = peakRssMB()
  // Whether verify had a stored tree to compare with (after the clock stopped).
  const storedRoot = await store.ledger.merkleRoot?.(chain, outcome.entries)
  const storedTree = storedRoot !== undefined && storedRoot !== null
  // The machine's speed just after, in the same process (after the clock and the peak RSS reading).
  const hashBaseline = hashBaselinePerSec()
  tellParent({ type: 'result', ...outcome, seconds, peakRssMB: peak, startRssMB, storedTree, hashBaseline })
  await store.close()
} catch (error) {
  tellParent({ type: 'error', message: error instanceof Error ? error.message : String(error) })
  process.exitCode = 1
}
