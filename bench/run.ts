import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildBundle, loadPolicyEngine, resolveBudget, resolveOpaBinary } from '../src/policy/index.js'
import { opaVersion } from './baselines/opa-server.js'
import { createBenchGuard } from './lib/guard.js'
import { readMachineInfo } from './lib/machine.js'
import { type BackendName, type BenchOptions, parseOptions } from './lib/options.js'
import { createThrowawayDatabase, showSetting, type ThrowawayDatabase } from './lib/postgres.js'
import { type BenchResults, checkTargets, renderTable } from './lib/report.js'
import { openStore, type StoreLocation } from './lib/store.js'
import { benchAppend } from './sections/append.js'
import { benchDecision } from './sections/decision.js'
import { benchGuard } from './sections/guard.js'
import { benchHostile } from './sections/hostile.js'
import { benchMcp } from './sections/mcp.js'
import { benchMerkle } from './sections/merkle.js'
import { benchMultiProcess } from './sections/multi-process.js'
import { benchReplay } from './sections/replay.js'
import { benchShadow } from './sections/shadow.js'
import { benchSidecar } from './sections/sidecar.js'
import { benchTracing, createBenchTracerProvider } from './sections/tracing.js'
import { benchVerify } from './sections/verify.js'

const log = (text: string) => process.stderr.write(`[bench] ${text}\n`)

/** Writes results.json (git-ignored, and outside biome's file set). */
function writeResults(path: string, results: BenchResults): void {
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`)
}

/** A fresh, empty store location per section and its clean-up. */
async function freshLocation(options: BenchOptions, kind: BackendName, label: string) {
  if (kind === 'postgres') {
    const tdb: ThrowawayDatabase = await createThrowawayDatabase(options.serverUrl, label)
    const location: StoreLocation = { kind, databaseUrl: tdb.url, poolSize: options.poolSize }
    return { location, dispose: () => tdb.drop() }
  }
  const dataDir = mkdtempSync(join(tmpdir(), `arbiter-bench-${label}-`))
  const location: StoreLocation = { kind, dataDir }
  return { location, dispose: async () => rmSync(dataDir, { recursive: true, force: true }) }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2))
  const opaBinary = resolveOpaBinary({ quiet: true })
  // Build the shipped packs afresh so the WASM bundle and the OPA server's Rego bundle come from the same
  // sources in this run (a committed or edited policy changes the revision of a prebuilt bundle).
  const bundleDir = mkdtempSync(join(tmpdir(), 'arbiter-bench-bundle-'))
  let bundlePath = options.bundlePath
  if (!bundlePath) {
    log(`building the policy bundle from ${options.policiesDir}`)
    bundlePath = (
      await buildBundle({
        policiesDir: options.policiesDir,
        outPath: join(bundleDir, 'bundle.tar.gz'),
        quiet: true,
      })
    ).path
  }
  const usePostgres = options.backends.has('postgres')
  const machine = await readMachineInfo(usePostgres ? options.serverUrl : null, opaVersion(opaBinary))
  const results: BenchResults = {
    startedAt: new Date().toISOString(),
    mode: options.quick ? 'quick' : 'full',
    machine,
    parameters: {
      decisionSamples: options.decisionSamples,
      guardSamples: options.guardSamples,
      windowMs: options.windowMs,
      warmupMs: options.warmupMs,
      concurrencies: options.concurrencies,
      sidecarConcurrencies: options.sidecarConcurrencies,
      sidecarRoot: options.sidecarRoot,
      sidecarServeArgs: options.sidecarServeArgs,
      verifyEntries: options.verifyEntries,
      verifyEntriesPglite: options.verifyEntriesPglite,
      verifyNodeOptions: options.verifyNodeOptions,
      bundle: options.bundlePath ?? 'built from policies/ for this run',
      multiProcessSeconds: options.multiProcessSeconds,
      replayDecisions: options.replayDecisions,
      poolSize: options.poolSize,
      backends: [...options.backends],
      sections: [...options.sections],
    },
    guard: [],
    append: [],
    verify: [],
    mcp: [],
    targets: [],
    errors: [],
  }
  log(`${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, node ${machine.node}`)
  if (usePostgres) {
    log(`${machine.postgres}`)
    // Every store connects with the server's defaults; the figures are only honest with durable commits.
    const probe = await createThrowawayDatabase(options.serverUrl, 'probe')
    try {
      const syncCommit = await showSetting(probe.url, 'synchronous_commit')
      log(`synchronous_commit = ${syncCommit} (fsync = ${machine.postgresSettings.fsync ?? '?'})`)
      if (syncCommit !== 'on')
        throw new Error(`synchronous_commit is ${syncCommit}; the benchmark requires on`)
    } finally {
      await probe.drop()
    }
  }
  const section = async (name: string, backend: string | undefined, fn: () => Promise<void>) => {
    log(`${name}${backend ? ` (${backend})` : ''}…`)
    const started = Date.now()
    try {
      await fn()
      log(`${name}${backend ? ` (${backend})` : ''} done in ${((Date.now() - started) / 1000).toFixed(1)}s`)
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error)
      log(`${name} failed: ${message}`)
      results.errors.push({
        section: name,
        ...(backend ? { backend } : {}),
        message: message.split('\n')[0] ?? '',
      })
    }
  }

  const engine = await loadPolicyEngine({ bundlePath })
  try {
    if (options.sections.has('decision'))
      await section('decision', undefined, async () => {
        const { workers } = resolveBudget()
        results.decision = await benchDecision(options, engine, opaBinary, bundlePath, workers)
        results.hostile = await benchHostile(engine, bundlePath)
      })
    // One database per backend for guard, append and verify (a fresh PGlite costs seconds to create);
    // each writes its own chains, and the verifier reads only its own.
    const perBackend = ['guard', 'append', 'merkle', 'verify', 'tracing'] as const
    for (const kind of options.backends) {
      if (!perBackend.some((name) => options.sections.has(name))) break
      const { location, dispose } = await freshLocation(options, kind, 'run')
      try {
        const store = await openStore(location)
        try {
          if (options.sections.has('guard'))
            await section('guard', kind, async () => {
              results.guard.push(
                await benchGuard(options, createBenchGuard(engine, store, 'bench-guard'), kind),
              )
            })
          if (options.sections.has('tracing'))
            await section('tracing', kind, async () => {
              const { provider, exporter } = createBenchTracerProvider()
              const guards = {
                off: createBenchGuard(engine, store, 'bench-trace-off', false),
                noProvider: createBenchGuard(engine, store, 'bench-trace-api'),
                sdk: createBenchGuard(engine, store, 'bench-trace-sdk', { tracerProvider: provider }),
              }
              const flush = async () => {
                await provider.forceFlush()
                await provider.shutdown()
                return exporter.count
              }
              results.tracing = [...(results.tracing ?? []), await benchTracing(options, guards, flush, kind)]
            })
          if (options.sections.has('append'))
            await section('append', kind, async () => {
              results.append.push(await benchAppend(options, store))
            })
          if (options.sections.has('merkle'))
            await section('merkle', kind, async () => {
              const r = await benchMerkle(options, store)
              results.merkle = [...(results.merkle ?? []), r]
              for (const p of r.points)
                log(
                  `merkle (${kind}) c=${p.concurrency}: ${Math.round(p.withTree.opsPerSec)}/s with tree, ${Math.round(p.withoutTree.opsPerSec)}/s without (${p.ratio})`,
                )
              log(
                `merkle (${kind}) proofs on ${r.proofTreeSize} entries (generated in ${r.generateSeconds} s): inclusion p50 ${r.inclusionP50Us} µs (p99 ${r.inclusionP99Us}), consistency p50 ${r.consistencyP50Us} µs (p99 ${r.consistencyP99Us}), inclusion at the head's size p50 ${r.inclusionHeadP50Us} µs`,
              )
            })
          if (options.sections.has('verify'))
            await section('verify', kind, async () => {
              const n = kind === 'postgres' ? options.verifyEntries : options.verifyEntriesPglite
              // Without --verify-node-options: the heap flags `arbiter verify` runs with.
              const flags = options.verifyNodeOptions.length > 0 ? options.verifyNodeOptions : undefined
              results.verify.push(await benchVerify(store, location, n, flags))
            })
        } finally {
          await store.close()
        }
      } finally {
        await dispose()
      }
    }
    if (options.sections.has('shadow'))
      await section('shadow', usePostgres ? 'postgres' : 'pglite', async () => {
        const { location, dispose } = await freshLocation(
          options,
          usePostgres ? 'postgres' : 'pglite',
          'shadow',
        )
        try {
          const store = await openStore(location)
          try {
            results.shadow = await benchShadow(options, engine, bundlePath, store)
          } finally {
            await store.close()
          }
        } finally {
          await dispose()
        }
      })
    if (options.sections.has('multiprocess') && usePostgres)
      await section('multiprocess', 'postgres', async () => {
        const { location, dispose } = await freshLocation(options, 'postgres', 'mp')
        try {
          // Migrate once up front so the four workers do not race on the schema.
          await (await openStore(location)).close()
          results.multiProcess = await benchMultiProcess(options, location)
        } finally {
          await dispose()
        }
      })
    // Replay reads a ledger of recorded decisions from PostgreSQL (the shared store of a deployment).
    if (options.sections.has('replay') && usePostgres)
      await section('replay', 'postgres', async () => {
        const { location, dispose } = await freshLocation(options, 'postgres', 'replay')
        try {
          const store = await openStore(location)
          try {
            results.replay = await benchReplay(options, store, location, bundlePath)
          } finally {
            await store.close()
          }
        } finally {
          await dispose()
        }
      })
    if (options.sections.has('sidecar') && usePostgres)
      await section('sidecar', 'postgres', async () => {
        const { location, dispose } = await freshLocation(options, 'postgres', 'sidecar')
        try {
          if (location.kind !== 'postgres') throw new Error('the sidecar section runs on PostgreSQL')
          results.sidecar = await benchSidecar(options, engine, opaBinary, bundlePath, location)
        } finally {
          await dispose()
        }
      })
    // Issue 11: per backend, its own throwaway database (the gateway process opens it itself).
    if (options.sections.has('mcp'))
      for (const kind of options.backends)
        await section('mcp', kind, async () => {
          results.mcp.push(await benchMcp(options, kind))
        })
  } finally {
    await engine.close()
    rmSync(bundleDir, { recursive: true, force: true })
  }
  results.finishedAt = new Date().toISOString()
  results.targets = checkTargets(results)
  writeResults(options.resultsPath, results)
  process.stdout.write(`${renderTable(results)}\n\nresults written to ${options.resultsPath}\n`)
  if (results.errors.length > 0) process.exitCode = 1
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error)
  const hint = /ECONNREFUSED|ENOTFOUND|password authentication/.test(message)
    ? ' (is PostgreSQL running? set DATABASE_URL, or run with --backends pglite)'
    : ''
  process.stderr.write(`bench: ${message}${hint}\n`)
  process.exit(1)
})
