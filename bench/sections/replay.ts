import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import { createGuard } from '../../src/guard/index.js'
import { createBundleArchive, GENESIS_PREV } from '../../src/ledger/index.js'
import { buildBundle, createEvaluator, loadPolicyEngine, parseBundle } from '../../src/policy/index.js'
import { canonicalJson, silentLogger, systemClock } from '../../src/shared/index.js'
import { compileWorker, forkCompiled, nextMessage } from '../lib/child.js'
import type { BenchOptions } from '../lib/options.js'
import { hashRow } from '../lib/rows.js'
import { nowUs, round, summarise } from '../lib/stats.js'
import type { BenchStore, StoreLocation } from '../lib/store.js'

export interface ReplayResult {
  readonly backend: StoreLocation['kind']
  readonly decisions: number
  readonly replayed: number
  readonly changed: number
  readonly notReplayable: number
  readonly workers: number
  readonly seconds: number
  /** Recorded decisions per second, each evaluated twice (fidelity pass and candidate pass). */
  readonly decisionsPerSec: number
  readonly peakRssMB: number
  readonly startRssMB: number
  /** In-thread latency of one evaluation of the same inputs, same run: the per-decision baseline. */
  readonly singleDecisionP50Us: number
  readonly singleDecisionP99Us: number
  readonly generateSeconds: number
}

const SEED_CHAIN = 'bench-replay-seed'
const CHAIN = 'bench-replay'
const BATCH = 5_000

const transfer = (amount: number) => ({
  tool: { name: 'payments.transfer', kind: 'client' as const },
  arguments: {
    amount,
    currency: 'USD',
    from_account: '4401778812',
    to_account: '7730019921',
    counterparty: 'Northwind Supplies',
  },
  agent: { id: 'fin-assistant', runtime: 'anthropic' },
  principal: { id: 'emp-101', roles: ['teller'] },
  session: { id: 'sess-1' },
})

/** 64 real calls: teller transfers of 500 to 16,250 USD, and balance look-ups. */
function templateCalls(): unknown[] {
  const calls: unknown[] = []
  for (let i = 0; i < 56; i++) calls.push(transfer(500 + 250 * i + (i % 7)))
  for (let i = 0; i < 8; i++)
    calls.push({
      ...transfer(0),
      tool: { name: 'accounts.get_balance', kind: 'client' },
      arguments: { account_number: '4401778812' },
    })
  return calls
}

/**
 * Writes `n` recorded decisions: 64 made by the real guard (archived bundle, redacted arguments, as
 * recorded in production), then repeated with fresh decision ids into one hashed chain by batched
 * inserts (how the fixture is made fast; the replay reads it like any other chain).
 */
async function generate(store: BenchStore, bundlePath: string, n: number): Promise<unknown[]> {
  const bytes = readFileSync(bundlePath)
  const contents = await parseBundle(bytes)
  await createBundleArchive(store.db).archive({
    sha256: contents.sha256,
    revision: contents.manifest.revision,
    manifest: { ...contents.manifest },
    bytes,
  })
  const policy = await loadPolicyEngine({ bundlePath, evaluationTimeoutMs: 10_000 })
  const calls = templateCalls()
  try {
    const guard = createGuard({
      policy,
      ledger: store.ledger,
      redactionKey: 'b'.repeat(64),
      chain: SEED_CHAIN,
    })
    for (const call of calls) await guard.decide(call)
  } finally {
    await policy.close()
  }
  const templates = (await store.ledger.findByType('decision', { chain: SEED_CHAIN })).map((e) => e.body)
  let prev = GENESIS_PREV
  const base = Date.parse('2026-11-25T00:00:00.000Z')
  for (let start = 1; start <= n; start += BATCH) {
    const count = Math.min(BATCH, n - start + 1)
    const cols = {
      seqs: [] as number[],
      tss: [] as string[],
      bodies: [] as string[],
      prevs: [] as string[],
      hashes: [] as string[],
    }
    for (let k = 0; k < count; k++) {
      const seq = start + k
      const template = templates[seq % templates.length]!
      const row = {
        v: 1 as const,
        chain: CHAIN,
        seq,
        ts: new Date(base + seq).toISOString(),
        type: 'decision',
        body: { ...template, decision_id: `r-${seq}` },
        prev,
      }
      const hash = hashRow(row)
      cols.seqs.push(seq)
      cols.tss.push(row.ts)
      cols.bodies.push(canonicalJson(row.body))
      cols.prevs.push(prev)
      cols.hashes.push(hash)
      prev = hash
    }
    await sql`INSERT INTO ledger_entries (chain, seq, ts, type, body, prev, hash)
      SELECT ${CHAIN}, s, t, 'decision', b::json, p, h
      FROM unnest(${cols.seqs}::bigint[], ${cols.tss}::text[], ${cols.bodies}::text[], ${cols.prevs}::text[], ${cols.hashes}::text[])
        AS u(s, t, b, p, h)`.execute(store.db)
  }
  await sql`INSERT INTO ledger_heads (chain, seq, hash) VALUES (${CHAIN}, ${n}, ${prev})`.execute(store.db)
  return calls
}

/** In-thread latency of single evaluations of the template calls: the baseline next to the replay rate. */
async function singleDecisionLatency(bundlePath: string, calls: unknown[], samples: number) {
  const evaluator = await createEvaluator(await parseBundle(readFileSync(bundlePath)), {
    clock: systemClock,
    logger: silentLogger,
  })
  for (let i = 0; i < 500; i++) evaluator.evaluate(calls[i % calls.length])
  const out = new Float64Array(samples)
  for (let i = 0; i < samples; i++) {
    const t0 = nowUs()
    evaluator.evaluate(calls[i % calls.length])
    out[i] = nowUs() - t0
  }
  return summarise(out)
}

/**
 * Item 7 (issue 12): `n` recorded decisions replayed from the database (fidelity pass under the archived
 * bundle, candidate pass under a bundle with a tighter teller limit) on worker threads by a fresh
 * bare-Node child process; its VmHWM is the replay's peak RSS. The same run measures one in-thread
 * decision's latency on the same inputs.
 */
export async function benchReplay(
  options: BenchOptions,
  store: BenchStore,
  location: StoreLocation,
  bundlePath: string,
): Promise<ReplayResult> {
  const n = options.replayDecisions
  const dir = mkdtempSync(join(tmpdir(), 'arbiter-bench-replay-'))
  try {
    const source = join(dir, 'policies')
    cpSync(options.policiesDir, source, { recursive: true })
    const data = JSON.parse(readFileSync(join(source, 'data.json'), 'utf8'))
    data.fintech.transfer_limits_usd.teller = 5000
    writeFileSync(join(source, 'data.json'), JSON.stringify(data))
    const candidate = await buildBundle({
      policiesDir: source,
      outPath: join(dir, 'candidate.tar.gz'),
      revision: 'bench-candidate',
      quiet: true,
    })
    const t0 = nowUs()
    const calls = await generate(store, bundlePath, n)
    const generateSeconds = round((nowUs() - t0) / 1e6, 1)
    const latency = await singleDecisionLatency(bundlePath, calls, options.quick ? 2_000 : 20_000)
    // PGlite allows one process per data directory: hand it over to the replay.
    await store.close()
    const child = forkCompiled(compileWorker('replay-chain'), [
      JSON.stringify(location),
      CHAIN,
      candidate.path,
    ])
    const report = await nextMessage<{
      seconds: number
      peakRssMB: number
      startRssMB: number
      decisions: number
      replayed: number
      changed: number
      notReplayable: number
    }>(child, 'result')
    return {
      backend: location.kind,
      decisions: report.decisions,
      replayed: report.replayed,
      changed: report.changed,
      notReplayable: report.notReplayable,
      workers: availableParallelism(),
      seconds: round(report.seconds, 2),
      decisionsPerSec: round(report.decisions / report.seconds, 0),
      peakRssMB: round(report.peakRssMB, 1),
      startRssMB: round(report.startRssMB, 1),
      singleDecisionP50Us: latency.p50Us,
      singleDecisionP99Us: latency.p99Us,
      generateSeconds,
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
