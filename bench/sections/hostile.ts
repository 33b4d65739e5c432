import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { createGuard } from '../../src/guard/index.js'
import {
  buildBundle,
  DEFAULT_EVALUATION_TIMEOUT_MS,
  loadPolicyEngine,
  type PolicyEngine,
} from '../../src/policy/index.js'
import { createInThreadEvaluator } from '../lib/guard.js'
import { repoRoot } from '../lib/options.js'
import { round } from '../lib/stats.js'
import { openStore } from '../lib/store.js'

/** One hostile input: refused at admission, and what evaluating it would cost with admission raised. */
export interface HostileCase {
  readonly name: string
  readonly bodyBytes: number
  /** The guard with its default admission limits (depth 32, 10,000 values). */
  readonly admission: {
    readonly refused: boolean
    readonly code: string
    readonly message: string
    readonly micros: number
  }
  /** Evaluation with admission raised: the budgeted engine (worker, deadline). */
  readonly budgeted: { readonly ms: number; readonly outcome: string; readonly maxLoopDelayMs: number }
  /** The same evaluation on the calling thread without budget: the event loop is held this long. */
  readonly inThreadMs: number
}

export interface HostileResult {
  readonly cases: HostileCase[]
  /** A bundle that is simply slow (400 million loop iterations) through the budgeted engine. */
  readonly slowPolicy: { readonly ms: number; readonly outcome: string; readonly maxLoopDelayMs: number }
  readonly timeoutMs: number
}

const agent = { id: 'fin-assistant', runtime: 'http-sidecar' }
const principal = { id: 'emp-101', roles: ['teller'] }
const session = { id: 'sess-hostile' }
const call = (args: Record<string, unknown>) => ({
  tool: { name: 'web.search', kind: 'client' },
  arguments: args,
  agent,
  principal,
  session,
})

/** `depth` nested arrays, each level holding `leaves` zeros next to the next level. */
function nested(depth: number, leaves: number): unknown {
  let value: unknown[] = []
  for (let i = 0; i < depth; i++) value = [...Array.from({ length: leaves }, () => 0), value]
  return value
}

/** The two inputs of issue 9, item 1. */
function hostileInputs(): { name: string; input: ReturnType<typeof call> }[] {
  return [
    { name: 'arrays 2,000 deep (~4 KB body)', input: call({ query: 'q', filter: nested(2_000, 0) }) },
    {
      name: 'depth 1,000, 20,000 leaves (~44 KB body)',
      input: call({ query: 'q', filter: nested(1_000, 20) }),
    },
  ]
}

async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number; maxLoopDelayMs: number }> {
  const delay = monitorEventLoopDelay({ resolution: 1 })
  delay.enable()
  const started = performance.now()
  const value = await run()
  const ms = performance.now() - started
  delay.disable()
  return { value, ms: round(ms, 1), maxLoopDelayMs: round(delay.max / 1e6, 1) }
}

const outcomeOf = (d: { action: string; reasons: readonly { rule: string; message: string }[] }) =>
  `${d.action} ${d.reasons.map((r) => `${r.rule}: ${r.message}`).join('; ')}`.slice(0, 160)

/**
 * Issue 9, item 1: the inputs that froze the server. Through the guard (default admission) they are
 * refused before evaluation; with admission raised, the budgeted engine still bounds them by its
 * deadline while the event loop keeps turning; in-thread shows what an unbudgeted evaluation holds.
 */
export async function benchHostile(engine: PolicyEngine, bundlePath: string): Promise<HostileResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'arbiter-bench-hostile-'))
  const store = await openStore({ kind: 'pglite', dataDir })
  const inThread = await createInThreadEvaluator(bundlePath)
  try {
    const guard = createGuard({ policy: engine, ledger: store.ledger, redactionKey: 'bench-hostile-key' })
    const cases: HostileCase[] = []
    for (const { name, input } of hostileInputs()) {
      const started = performance.now()
      const refusal = await guard.check(input).then(
        () => ({ refused: false, code: 'none', message: 'admitted' }),
        (error: { code?: string; message?: string }) => ({
          refused: true,
          code: error.code ?? 'unknown',
          message: (error.message ?? '').replace(/(\/0){4,}/g, '/0/…/0'),
        }),
      )
      const micros = round((performance.now() - started) * 1000, 0)
      const budgeted = await timed(() => engine.evaluate(input))
      const t0 = performance.now()
      inThread.evaluate(input)
      cases.push({
        name,
        bodyBytes: Buffer.byteLength(JSON.stringify(input)),
        admission: { ...refusal, micros },
        budgeted: {
          ms: budgeted.ms,
          outcome: outcomeOf(budgeted.value.decision),
          maxLoopDelayMs: budgeted.maxLoopDelayMs,
        },
        inThreadMs: round(performance.now() - t0, 1),
      })
    }
    return { cases, slowPolicy: await slowPolicy(dataDir), timeoutMs: DEFAULT_EVALUATION_TIMEOUT_MS }
  } finally {
    await store.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

async function slowPolicy(dir: string): Promise<HostileResult['slowPolicy']> {
  const built = await buildBundle({
    policiesDir: resolve(repoRoot, 'test', 'fixtures', 'policies', 'slow'),
    outPath: join(dir, 'slow.tar.gz'),
    revision: 'bench-slow',
    quiet: true,
  })
  const engine = await loadPolicyEngine({ bundlePath: built.path, workers: 1 })
  try {
    const spin = call({ mode: 'spin' })
    const result = await timed(() => engine.evaluate(spin))
    return {
      ms: result.ms,
      outcome: outcomeOf(result.value.decision),
      maxLoopDelayMs: result.maxLoopDelayMs,
    }
  } finally {
    await engine.close()
  }
}
