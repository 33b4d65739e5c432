// Child process of the multi-process benchmark: appends to one shared chain from its own pool and
// ledger, starting on the parent's signal so all four measure the same window.
import { nextParentMessage, tellParent } from '../lib/child.js'
import { sampleDecisionBody } from '../lib/rows.js'
import { closedLoop } from '../lib/stats.js'
import { openStore, parseLocation } from '../lib/store.js'

const location = parseLocation(process.argv[2])
const chain = process.argv[3] ?? 'bench-mp'
const concurrency = Number(process.argv[4] ?? '64')
const windowMs = Number(process.argv[5] ?? '5000')
try {
  // The parent migrated the database before starting the workers.
  const store = await openStore(location, { migrate: false })
  // Event ids are unique per chain (migration 0101): each process counts in a range of its own.
  let i = process.pid * 10_000_000
  const append = () => store.ledger.append({ chain, type: 'decision', body: sampleDecisionBody(i++) })
  // Warm the pool, the prepared paths and the JIT before the shared window starts.
  await closedLoop(concurrency, 300, 0, append)
  tellParent({ type: 'ready' })
  await nextParentMessage('go')
  const result = await closedLoop(concurrency, windowMs, 0, append)
  tellParent({
    type: 'result',
    ops: result.ops,
    errors: result.errors,
    seconds: result.seconds,
    firstError: result.firstError,
  })
  await store.close()
} catch (error) {
  tellParent({ type: 'error', message: error instanceof Error ? error.message : String(error) })
  process.exitCode = 1
}
process.disconnect?.()
