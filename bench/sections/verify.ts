import { compileWorker, forkCompiled, nextMessage } from '../lib/child.js'
import { generateChain, settleFixture } from '../lib/generate-chain.js'
import type { BackendName } from '../lib/options.js'
import { nowUs, round } from '../lib/stats.js'
import type { BenchStore, StoreLocation } from '../lib/store.js'

export interface VerifyResult {
  readonly backend: BackendName
  readonly entries: number
  readonly valid: boolean
  readonly seconds: number
  readonly entriesPerSec: number
  /** VmHWM of the verifier process, which does nothing but open the database and verify. */
  readonly peakRssMB: number
  /** VmRSS of the same process after imports and opening the database, before verifying. */
  readonly startRssMB: number
  readonly generateSeconds: number
  /** Node flags the verifier ran with: those `arbiter verify` re-runs itself with, unless `--verify-node-options`. */
  readonly nodeOptions: readonly string[]
  /** Whether a stored Merkle tree reached the head, so its root was compared too (the recomputed root always is, with the signed notes'). */
  readonly storedTree: boolean
  readonly detail?: string
  /** Same run, same process, right after: entries/s of one thread doing only the verifier's SHA-256 work per entry. */
  readonly hashBaselinePerSec: number
  /** entriesPerSec / hashBaselinePerSec: the rate against the machine's speed at the moment. */
  readonly vsHashBaseline: number
}

export interface VerifyWorkerReport {
  readonly type: 'result'
  readonly valid: boolean
  readonly entries: number
  readonly seconds: number
  readonly peakRssMB: number
  readonly startRssMB: number
  readonly storedTree: boolean
  readonly detail?: string
  readonly hashBaseline: number
}

/** The heap flags bin/arbiter.js re-runs `arbiter verify` with (the command an operator runs). */
export const CLI_VERIFY_NODE_OPTIONS: readonly string[] = [
  '--max-old-space-size=96',
  '--max-semi-space-size=2',
]

/**
 * Item 4: a valid `n`-entry chain is written (hashed in Node, batched inserts), the store is closed, and
 * a fresh bare-Node child process verifies it with Arbiter's `verifyChain`, as `arbiter verify` does
 * (same heap flags; on PostgreSQL the binary COPY reader with the hashing thread, every chain hash,
 * link and checkpoint, and the Merkle root recomputed and compared with the signed notes' and the
 * stored tree's); its own VmHWM (both threads) is the peak RSS.
 */
export async function benchVerify(
  store: BenchStore,
  location: StoreLocation,
  n: number,
  nodeOptions: readonly string[] = CLI_VERIFY_NODE_OPTIONS,
): Promise<VerifyResult> {
  const chain = 'bench-verify'
  const t0 = nowUs()
  await generateChain(store.db, chain, n)
  const generateSeconds = round((nowUs() - t0) / 1e6, 1)
  await settleFixture(store.db, store.kind)
  // PGlite allows one process per data directory: hand it over to the verifier.
  await store.close()
  const child = forkCompiled(compileWorker('verify-chain'), [JSON.stringify(location), chain], nodeOptions)
  const report = await nextMessage<VerifyWorkerReport>(child, 'result')
  return {
    backend: location.kind,
    entries: report.entries,
    valid: report.valid && report.entries === n,
    seconds: round(report.seconds, 2),
    entriesPerSec: round(report.entries / report.seconds, 0),
    peakRssMB: round(report.peakRssMB, 1),
    startRssMB: round(report.startRssMB, 1),
    generateSeconds,
    nodeOptions,
    storedTree: report.storedTree,
    hashBaselinePerSec: round(report.hashBaseline, 0),
    vsHashBaseline: round(report.entries / report.seconds / report.hashBaseline, 2),
    ...(report.detail === undefined ? {} : { detail: report.detail }),
  }
}
