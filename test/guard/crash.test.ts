import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { findUnknownOutcomes } from '../../src/guard/index.js'
import { verifyChain } from '../../src/ledger/index.js'
import { createPostgresBackend, postgresEnabled, type TestBackend } from '../support/backends.js'
import { testBundles } from '../support/bundles.js'
import { entriesOf, openStore } from '../support/guard-harness.js'
import { seededRandom } from '../support/seed.js'

const worker = fileURLToPath(new URL('./fixtures/crash-worker.ts', import.meta.url))
const RUNS = 4
// Where each worker is killed is drawn from a logged seed: a failure names it, and the same kill
// points can be asked for again (the OS still schedules the processes, so a replay is close, not exact).
const random = seededRandom('guard/crash')
// Each run starts a process (tsx, the policy workers, a database pool) that may use its full 60 s
// deadline on a loaded machine: the test's limit covers all of them.
vi.setConfig({ testTimeout: RUNS * 75_000 })

function markerLines(path: string): string[] {
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : []
}

/** Starts a worker and SIGKILLs it once it has executed `after` tool calls (a random point in a call). */
async function runAndKill(
  databaseUrl: string,
  markerPath: string,
  runId: string,
  after: number,
): Promise<void> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', worker, databaseUrl, markerPath, runId, testBundles().shipped],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()))
  const deadline = Date.now() + 60_000
  const executed = () => markerLines(markerPath).filter((l) => l.startsWith(`crash-${runId}-`)).length
  while (executed() < after) {
    if (child.exitCode !== null) throw new Error(`worker exited early (${child.exitCode}): ${stderr}`)
    if (Date.now() > deadline) throw new Error(`worker too slow: ${stderr}`)
    await new Promise((resolve) => setTimeout(resolve, 2))
  }
  // Sleep a random sliver so the kill lands anywhere: mid-append, mid-run, mid-outcome. A sleep on
  // purpose: the point of the test is a kill at an arbitrary moment.
  await new Promise((resolve) => setTimeout(resolve, random.below(15)))
  child.kill('SIGKILL')
  await exited
}

describe.skipIf(!postgresEnabled)('a guarded process killed at random points', () => {
  let backend: TestBackend
  let dir: string
  beforeAll(async () => {
    backend = await createPostgresBackend()
    dir = mkdtempSync(join(tmpdir(), 'arbiter-crash-'))
  })
  afterAll(async () => {
    await backend.dispose()
    rmSync(dir, { recursive: true, force: true })
  })

  it('never leaves a tool execution without an earlier durable allow decision; the chain verifies', async () => {
    const markerPath = join(dir, 'executions.log')
    for (let run = 0; run < RUNS; run++)
      await runAndKill(backend.databaseUrl!, markerPath, String(run), 5 + random.below(40))

    const executed = markerLines(markerPath)
    expect(executed.length, random.replay).toBeGreaterThanOrEqual(RUNS * 5)
    const store = await openStore(backend)
    try {
      const entries = await entriesOf(store.ledger, 'default')
      const decisionSeqByQuery = new Map<string, number>()
      const outcomeSeqByDecision = new Map<string, number>()
      for (const e of entries) {
        const query = (e.body.input as { arguments?: { query?: string } } | undefined)?.arguments?.query
        if (e.type === 'decision' && e.body.action === 'allow' && query) decisionSeqByQuery.set(query, e.seq)
        if (e.type === 'outcome') outcomeSeqByDecision.set(String(e.body.decision_id), e.seq)
      }
      // Every execution the marker file saw has its allow decision in the ledger.
      const missing = executed.filter((q) => !decisionSeqByQuery.has(q))
      expect(missing, random.replay).toEqual([])
      // Executions happened in ledger order: the marker order matches the decisions' seq order.
      const seqs = executed.map((q) => decisionSeqByQuery.get(q)!)
      expect(
        [...seqs].sort((a, b) => a - b),
        random.replay,
      ).toEqual(seqs)

      const report = await verifyChain(store.ledger, 'default')
      expect(report.ok, random.replay).toBe(true)
      expect(report.entries, random.replay).toBe(entries.length)

      // Each killed run leaves at most one decision whose outcome is unknown.
      const unknown = await findUnknownOutcomes(store.ledger, { chain: 'default' })
      expect(unknown.length, random.replay).toBeLessThanOrEqual(RUNS)
      expect(decisionSeqByQuery.size - outcomeSeqByDecision.size, random.replay).toBe(unknown.length)
    } finally {
      await store.close()
    }
  })
})
