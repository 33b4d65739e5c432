import { resolve } from 'node:path'

export const SECTIONS = [
  'decision',
  'guard',
  'append',
  'merkle',
  'verify',
  'multiprocess',
  'sidecar',
  'replay',
  'shadow',
  'tracing',
  'mcp',
] as const
export type Section = (typeof SECTIONS)[number]
export type BackendName = 'postgres' | 'pglite'

/** Everything a run is parameterised by; `--quick` shrinks sizes so a smoke run takes under a minute. */
export interface BenchOptions {
  readonly quick: boolean
  readonly sections: ReadonlySet<Section>
  readonly backends: ReadonlySet<BackendName>
  readonly serverUrl: string
  /** A prebuilt WASM bundle to measure (`--bundle`); by default the run builds one from `policiesDir`. */
  readonly bundlePath: string | null
  /** Sources of the bundle; the OPA server baseline builds its Rego bundle from them. */
  readonly policiesDir: string
  readonly resultsPath: string
  /** Decision samples per engine. */
  readonly decisionSamples: number
  /** Guarded-call latency samples at concurrency 1. */
  readonly guardSamples: number
  /** Measured window of each throughput point, and its warm-up. */
  readonly windowMs: number
  readonly warmupMs: number
  readonly concurrencies: readonly number[]
  /** Concurrency levels of the HTTP sidecar comparison (one load-generator run per system and level). */
  readonly sidecarConcurrencies: readonly number[]
  /** Checkout whose `arbiter serve` the sidecar section runs (`--sidecar-root`, e.g. a build of main). */
  readonly sidecarRoot: string
  /** Extra `arbiter serve` flags for the sidecar section (`--sidecar-serve-args "--rate-limit 1000000"`). */
  readonly sidecarServeArgs: readonly string[]
  readonly verifyEntries: number
  /** Chain length on PGlite (`--verify-entries-pglite`); writing it there takes minutes for a million. */
  readonly verifyEntriesPglite: number
  /** Node flags for the verifier process instead of those `arbiter verify` runs with (bench/sections/verify.ts). */
  readonly verifyNodeOptions: readonly string[]
  readonly multiProcessSeconds: number
  /** Recorded decisions the replay section replays (`--replay-decisions`; default 1,000,000, quick 20,000). */
  readonly replayDecisions: number
  /** Entries of the chain the Merkle proofs are served from (`--proof-entries`; 1,000,000, quick 20,000). */
  readonly proofEntries: number
  /** The same on PGlite (`--proof-entries-pglite`; 100,000, quick 20,000: writing a million there takes minutes). */
  readonly proofEntriesPglite: number
  /** PostgreSQL connections the harness gives each store (Arbiter's and the baselines' alike). */
  readonly poolSize: number
}

const root = resolve(import.meta.dirname, '..', '..')

/** Parses `npm run bench -- [--quick] [--only a,b] [--backends postgres,pglite]`. */
export function parseOptions(argv: readonly string[]): BenchOptions {
  const flag = (name: string): boolean => argv.includes(name)
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(name)
    return i >= 0 ? argv[i + 1] : undefined
  }
  const quick = flag('--quick')
  const only = value('--only')
  const sections = new Set<Section>(
    only ? only.split(',').map((s) => pick(s.trim(), SECTIONS, '--only')) : SECTIONS,
  )
  const backendList = value('--backends')
  const backends = new Set<BackendName>(
    backendList
      ? backendList.split(',').map((s) => pick(s.trim(), ['postgres', 'pglite'] as const, '--backends'))
      : ['postgres', 'pglite'],
  )
  const verifyOverride = value('--verify-entries')
  const verifyPgliteOverride = value('--verify-entries-pglite')
  return {
    quick,
    sections,
    backends,
    serverUrl:
      process.env.DATABASE_URL ??
      process.env.ARBITER_TEST_DATABASE_URL ??
      'postgres://postgres@127.0.0.1:5432/test',
    bundlePath: value('--bundle') ? resolve(value('--bundle') as string) : null,
    policiesDir: resolve(root, value('--policies') ?? 'policies'),
    resultsPath: resolve(value('--results') ?? resolve(root, 'bench', 'results.json')),
    decisionSamples: quick ? 5_000 : 50_000,
    guardSamples: quick ? 200 : 3_000,
    windowMs: quick ? 500 : 5_000,
    warmupMs: quick ? 150 : 1_500,
    concurrencies: [1, 16, 256],
    sidecarConcurrencies: [1, 16, 64],
    sidecarRoot: resolve(value('--sidecar-root') ?? root),
    sidecarServeArgs: (value('--sidecar-serve-args') ?? '').split(' ').filter((a) => a.length > 0),
    verifyEntries: verifyOverride
      ? positiveInt(verifyOverride, '--verify-entries')
      : quick
        ? 10_000
        : 1_000_000,
    verifyEntriesPglite: verifyPgliteOverride
      ? positiveInt(verifyPgliteOverride, '--verify-entries-pglite')
      : quick
        ? 10_000
        : 1_000_000,
    verifyNodeOptions: (value('--verify-node-options') ?? '').split(' ').filter((f) => f.startsWith('--')),
    multiProcessSeconds: quick ? 1.5 : 8,
    replayDecisions: value('--replay-decisions')
      ? positiveInt(value('--replay-decisions') as string, '--replay-decisions')
      : quick
        ? 20_000
        : 1_000_000,
    proofEntries: positiveInt(value('--proof-entries') ?? (quick ? '20000' : '1000000'), '--proof-entries'),
    proofEntriesPglite: positiveInt(
      value('--proof-entries-pglite') ?? (quick ? '20000' : '100000'),
      '--proof-entries-pglite',
    ),
    poolSize: positiveInt(value('--pool') ?? '20', '--pool'),
  }
}

function pick<T extends string>(value: string, allowed: readonly T[], what: string): T {
  if ((allowed as readonly string[]).includes(value)) return value as T
  throw new Error(`${what}: expected one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`)
}

function positiveInt(value: string, what: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${what}: expected a positive integer, got ${value}`)
  return n
}

export const repoRoot = root
