import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { buildBundle } from '../../src/policy/index.js'
import type { BackendName, BenchOptions } from '../lib/options.js'
import { repoRoot } from '../lib/options.js'
import { createThrowawayDatabase } from '../lib/postgres.js'
import { buildDist } from '../lib/sidecar-server.js'
import { closedLoop, round, type ThroughputResult } from '../lib/stats.js'

/** One way of calling the tool at one concurrency. */
export interface McpRun {
  readonly opsPerSec: number
  readonly p50Us: number
  readonly p99Us: number
  readonly errors: number
  readonly firstError?: string
}

export interface McpPoint {
  readonly concurrency: number
  /** SDK client → server-everything over stdio. */
  readonly direct: McpRun
  /** SDK client → `arbiter mcp` (stdio) → the same upstream: decision committed before forwarding. */
  readonly gateway: McpRun
  /** Gateway p50 minus direct p50, µs: what the gateway adds per call. */
  readonly addedP50Us: number
  readonly addedP99Us: number
}

export interface McpResult {
  readonly backend: BackendName
  readonly points: McpPoint[]
}

const everything = join(
  repoRoot,
  'node_modules',
  '@modelcontextprotocol',
  'server-everything',
  'dist',
  'index.js',
)
const upstreamCommand = [process.execPath, everything, 'stdio']

function toRun(t: ThroughputResult): McpRun {
  return {
    opsPerSec: t.opsPerSec,
    p50Us: t.latency.p50Us,
    p99Us: t.latency.p99Us,
    errors: t.errors,
    ...(t.firstError === undefined ? {} : { firstError: t.firstError }),
  }
}

async function connect(command: readonly string[], env: Record<string, string> = {}): Promise<Client> {
  const [cmd, ...args] = command
  const client = new Client({ name: 'arbiter-bench', version: '1.0.0' })
  // A generous first answer: the gateway opens (and migrates) its database before it answers initialize.
  await client.connect(
    new StdioClientTransport({
      command: cmd as string,
      args,
      cwd: repoRoot,
      env: { ...(process.env as Record<string, string>), ...env },
      stderr: 'ignore',
    }),
    { timeout: 300_000 },
  )
  return client
}

/** One `tools/call` of the upstream's `echo`; an `isError` result counts as an error. */
async function echo(client: Client, n: number): Promise<void> {
  const result = await client.callTool({ name: 'echo', arguments: { message: `call ${n}` } })
  if (result.isError) throw new Error(JSON.stringify(result.content).slice(0, 200))
}

/**
 * Issue 11: the latency `arbiter mcp` adds per `tools/call` against calling the same stdio upstream
 * (server-everything's `echo`) directly, at concurrency 1 and 32, and calls/s through one gateway.
 * The gateway runs from `dist/` as a user runs it (`bin/arbiter.js mcp … -- node server-everything
 * stdio`), with an allow-all bundle: the policy cost is item 1's; this is transport, decision commit
 * (durable before forwarding) and outcome entry.
 */
export async function benchMcp(options: BenchOptions, backend: BackendName): Promise<McpResult> {
  buildDist(repoRoot)
  const scratch = mkdtempSync(join(tmpdir(), 'arbiter-bench-mcp-'))
  const database = backend === 'postgres' ? await createThrowawayDatabase(options.serverUrl, 'mcp') : null
  try {
    const bundle = (
      await buildBundle({
        policiesDir: join(repoRoot, 'test', 'fixtures', 'policies', 'mcp-allow-all'),
        outPath: join(scratch, 'allow-all.tar.gz'),
        quiet: true,
      })
    ).path
    const databaseFlags = database
      ? ['--database-url', database.url, '--data-dir', join(scratch, 'data')]
      : ['--data-dir', join(scratch, 'data')]
    const direct = await connect(upstreamCommand)
    const gateway = await connect(
      [
        process.execPath,
        join(repoRoot, 'bin', 'arbiter.js'),
        'mcp',
        '--server-name',
        'everything',
        '--principal',
        'bench-user',
        '--roles',
        'analyst',
        '--bundle',
        bundle,
        ...databaseFlags,
        '--',
        ...upstreamCommand,
      ],
      { ARBITER_LOG_LEVEL: 'warn', ARBITER_ALLOW_GENERATED_KEYS: '1' },
    )
    try {
      const points: McpPoint[] = []
      let n = 0
      // Calls through the gateway take milliseconds (two commits): even a quick run needs a window that
      // holds many of them at c=32.
      const windowMs = Math.max(options.windowMs, 3_000)
      const warmupMs = Math.max(options.warmupMs, 1_000)
      for (const concurrency of [1, 32]) {
        const d = await closedLoop(concurrency, windowMs, warmupMs, () => echo(direct, n++))
        const g = await closedLoop(concurrency, windowMs, warmupMs, () => echo(gateway, n++))
        points.push({
          concurrency,
          direct: toRun(d),
          gateway: toRun(g),
          addedP50Us: round(g.latency.p50Us - d.latency.p50Us),
          addedP99Us: round(g.latency.p99Us - d.latency.p99Us),
        })
      }
      return { backend, points }
    } finally {
      await Promise.allSettled([direct.close(), gateway.close()])
    }
  } finally {
    await database?.drop()
    rmSync(scratch, { recursive: true, force: true })
  }
}
