import type { ChildProcess } from 'node:child_process'
import { compileWorker, exited, forkCompiled, nextMessage } from '../lib/child.js'
import type { BenchOptions } from '../lib/options.js'
import { round } from '../lib/stats.js'
import { openStore, type StoreLocation, verifyStoredChain } from '../lib/store.js'

export interface MultiProcessResult {
  readonly processes: number
  readonly concurrencyPerProcess: number
  readonly seconds: number
  readonly perProcessOps: number[]
  readonly totalOps: number
  readonly opsPerSec: number
  readonly errors: number
  readonly chainEntries: number
  readonly chainValid: boolean
  readonly detail?: string
}

interface WorkerResult {
  readonly type: 'result'
  readonly ops: number
  readonly errors: number
  readonly seconds: number
  readonly firstError?: string
}

/**
 * Item 5: four processes, each with its own pool and ledger, append to one chain of one PostgreSQL
 * database during the same window; afterwards the whole chain is verified (no fork, no gap).
 */
export async function benchMultiProcess(
  options: BenchOptions,
  location: StoreLocation,
  processes = 4,
  concurrencyPerProcess = 64,
): Promise<MultiProcessResult> {
  const chain = 'bench-multiprocess'
  const windowMs = options.multiProcessSeconds * 1000
  const workers: ChildProcess[] = []
  try {
    for (let p = 0; p < processes; p++) {
      const args = [JSON.stringify(location), chain, String(concurrencyPerProcess), String(windowMs)]
      workers.push(forkCompiled(compileWorker('append-chain'), args))
    }
    await Promise.all(workers.map((w) => nextMessage(w, 'ready')))
    const results = workers.map((w) => nextMessage<WorkerResult>(w, 'result'))
    for (const w of workers) w.send({ type: 'go' })
    const done = await Promise.all(results)
    await Promise.all(workers.map(exited))
    const totalOps = done.reduce((s, r) => s + r.ops, 0)
    const errors = done.reduce((s, r) => s + r.errors, 0)
    const store = await openStore(location)
    try {
      const verified = await verifyStoredChain(store, chain)
      const firstError = done.find((r) => r.firstError)?.firstError
      return {
        processes,
        concurrencyPerProcess,
        seconds: windowMs / 1000,
        perProcessOps: done.map((r) => r.ops),
        totalOps,
        opsPerSec: round(totalOps / (windowMs / 1000), 1),
        errors,
        chainEntries: verified.entries,
        chainValid: verified.valid,
        ...(verified.detail || firstError
          ? { detail: [verified.detail, firstError].filter(Boolean).join('; ') }
          : {}),
      }
    } finally {
      await store.close()
    }
  } finally {
    for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL')
  }
}
