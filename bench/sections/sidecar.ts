import { createApiKeyStore } from '../../src/server/index.js'
import { startOpaServer } from '../baselines/opa-server.js'
import { compileWorker, exited, forkCompiled, nextMessage } from '../lib/child.js'
import type { PolicyEngine } from '../lib/guard.js'
import { benchInputs } from '../lib/inputs.js'
import type { BenchOptions } from '../lib/options.js'
import { buildDist, processCpuSeconds, startSidecarServer } from '../lib/sidecar-server.js'
import { round } from '../lib/stats.js'
import { openStore, type StoreLocation } from '../lib/store.js'
import type { LoadConfig, LoadResult } from '../workers/load-generator.js'

/** One system at one concurrency, as the load generator measured it. */
export interface SidecarRun {
  readonly opsPerSec: number
  /** CPU time (user + system) the serving process used per answered request, µs (Linux /proc). */
  readonly serverCpuUsPerRequest: number
  readonly p50Us: number
  readonly p99Us: number
  readonly errors: number
  readonly statuses: Record<string, number>
  readonly firstError?: string
}

export interface SidecarPoint {
  readonly concurrency: number
  /** `opa run --server`: `POST /v1/data/arbiter/decision`, decision only, nothing recorded. */
  readonly opa: SidecarRun
  /** `arbiter serve`: `POST /v1/decisions`, authenticated, durable decision entry. */
  readonly arbiter: SidecarRun
  /** Arbiter decisions/s over OPA decisions/s. */
  readonly ratio: number
}

export interface SidecarResult {
  readonly points: SidecarPoint[]
  /** 200 answers Arbiter gave over the whole section (warm-ups included). */
  readonly acknowledged: number
  /** `decision` entries on the server's chain afterwards: every acknowledged decision must be there. */
  readonly recorded: number
}

const CHAIN = 'bench-sidecar'

async function load(config: LoadConfig, serverPid: number | undefined): Promise<SidecarRun> {
  const cpuBefore = processCpuSeconds(serverPid)
  const child = forkCompiled(compileWorker('load-generator'), [JSON.stringify(config)])
  try {
    const result = await nextMessage<LoadResult>(child, 'result')
    await exited(child)
    const answered = Object.values(result.statuses).reduce((a, b) => a + b, 0)
    return {
      opsPerSec: result.opsPerSec,
      serverCpuUsPerRequest: round(((processCpuSeconds(serverPid) - cpuBefore) / answered) * 1e6, 0),
      p50Us: result.p50Us,
      p99Us: result.p99Us,
      errors: result.errors,
      statuses: result.statuses,
      ...(result.firstError === undefined ? {} : { firstError: result.firstError }),
    }
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL')
  }
}

/**
 * Item 6 (issue 9): the HTTP sidecar against the OPA server. Each system runs as its own child process
 * (`arbiter serve` from `dist/`, `opa run --server`), driven by a load-generator child with kept-alive
 * connections, on the same tool calls, interleaved per concurrency level in one run.
 */
const SIDECAR_AGENT = 'fin-assistant'

export async function benchSidecar(
  options: BenchOptions,
  engine: PolicyEngine,
  opaBinary: string,
  bundlePath: string,
  location: Extract<StoreLocation, { kind: 'postgres' }>,
): Promise<SidecarResult> {
  buildDist(options.sidecarRoot)
  // One key speaks as one agent (docs/trust-model.md): the sidecar runs the fin-assistant's calls, and
  // OPA gets the same ones.
  const inputs = benchInputs().filter((i) => i.agent.id === SIDECAR_AGENT)
  // OPA gets exactly what the in-process engine evaluates (with its `context.time`), as in item 1.
  const evaluated = await Promise.all(inputs.map((i) => engine.evaluate(i)))
  const opaBodies = inputs.map((i, n) => JSON.stringify({ input: evaluated[n]?.input ?? i }))
  const arbiterBodies = inputs.map((i) => JSON.stringify(i))
  const store = await openStore(location)
  let key: string
  try {
    // A trusted front end for the fin-assistant: it names its end users, with the roles they hold.
    key = (
      await createApiKeyStore(store.db).create({
        role: 'agent',
        name: 'bench sidecar',
        identity: SIDECAR_AGENT,
        frontEnd: true,
        assertRoles: [...new Set(inputs.flatMap((i) => i.principal.roles))],
      })
    ).key
  } finally {
    await store.close()
  }
  const opa = await startOpaServer(opaBinary, bundlePath, options.policiesDir)
  try {
    const arbiter = await startSidecarServer({
      databaseUrl: location.databaseUrl,
      bundlePath,
      chain: CHAIN,
      root: options.sidecarRoot,
      extraArgs: options.sidecarServeArgs,
    })
    const points: SidecarPoint[] = []
    let acknowledged = 0
    try {
      const common = { warmupMs: options.warmupMs, windowMs: options.windowMs }
      for (const concurrency of options.sidecarConcurrencies) {
        const opaRun = await load(
          {
            ...common,
            concurrency,
            url: opa.url,
            path: '/v1/data/arbiter/decision',
            headers: {},
            bodies: opaBodies,
          },
          opa.pid,
        )
        const arbiterRun = await load(
          {
            ...common,
            concurrency,
            url: arbiter.url,
            path: '/v1/decisions',
            headers: { authorization: `Bearer ${key}` },
            bodies: arbiterBodies,
          },
          arbiter.pid,
        )
        acknowledged += arbiterRun.statuses['200'] ?? 0
        points.push({
          concurrency,
          opa: opaRun,
          arbiter: arbiterRun,
          ratio: round(arbiterRun.opsPerSec / opaRun.opsPerSec, 2),
        })
      }
    } catch (error) {
      throw new Error(
        `${error instanceof Error ? error.message : String(error)}; server log: ${arbiter.logTail()}`,
      )
    } finally {
      await arbiter.stop()
    }
    const check = await openStore(location, { migrate: false })
    try {
      const row = await check.db
        .selectFrom('ledger_entries')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('chain', '=', CHAIN)
        .where('type', '=', 'decision')
        .executeTakeFirstOrThrow()
      return { points, acknowledged, recorded: Number(row.n) }
    } finally {
      await check.close()
    }
  } finally {
    await opa.stop()
  }
}
