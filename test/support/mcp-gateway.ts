import { execFileSync } from 'node:child_process'
import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Client, type ClientOptions } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { createLedger, type LedgerEntry, openDatabase } from '../../src/ledger/index.js'
import { type BuiltBundle, buildBundle } from '../../src/policy/index.js'
import type { TestBackend } from './backends.js'
import { databaseFlags } from './serve-child.js'

export const repoRoot = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..')

/** The bin scripts of the reference servers, from node_modules (never fetched at test time). */
export const filesystemServer = join(
  repoRoot,
  'node_modules/@modelcontextprotocol/server-filesystem/dist/index.js',
)
export const everythingServer = join(
  repoRoot,
  'node_modules/@modelcontextprotocol/server-everything/dist/index.js',
)

/**
 * Builds the shipped policies/ with `data.mcp.filesystem` pointed at a test directory: `readable` is
 * `dataRoot`, `protected` is `dataRoot/restricted` (real opa build, real WASM); `allowWrites` lets
 * write tools through (to show what fail-closed stops).
 */
export function buildMcpBundle(
  dir: string,
  dataRoot: string,
  options: { readonly allowWrites?: boolean } = {},
): Promise<BuiltBundle> {
  const policies = join(dir, 'policies')
  cpSync(join(repoRoot, 'policies'), policies, { recursive: true })
  const dataPath = join(policies, 'data.json')
  const data = JSON.parse(readFileSync(dataPath, 'utf8')) as { mcp: { filesystem: Record<string, unknown> } }
  data.mcp.filesystem.readable = [dataRoot]
  data.mcp.filesystem.protected = [join(dataRoot, 'restricted')]
  if (options.allowWrites) data.mcp.filesystem.write_tools = []
  writeFileSync(dataPath, JSON.stringify(data))
  return buildBundle({
    policiesDir: policies,
    outPath: join(dir, 'bundle.tar.gz'),
    revision: 'mcp-test',
    quiet: true,
  })
}

/** A real `arbiter mcp` child (from source) with an official SDK client connected to it over stdio. */
export interface GatewayChild {
  readonly client: Client
  readonly transport: StdioClientTransport
  /** The gateway's process id. */
  readonly pid: number
  /** Everything the gateway (and its upstream) wrote to stderr. */
  readonly stderr: () => string
}

export interface GatewayChildOptions {
  readonly backend: TestBackend
  readonly dataDir: string
  readonly bundle: string
  readonly serverName: string
  readonly upstream: readonly string[]
  readonly principal?: string
  readonly roles?: string
  readonly extraFlags?: readonly string[]
  readonly client?: ClientOptions
  readonly clientName?: string
}

/**
 * Spawns `arbiter mcp … -- <upstream>` through the CLI entry and connects an SDK `Client`.
 *
 * @example
 * const gw = await startGateway({ backend, dataDir, bundle, serverName: 'filesystem', upstream: ['node', filesystemServer, root] })
 */
export async function startGateway(options: GatewayChildOptions): Promise<GatewayChild> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [
      '--import',
      'tsx',
      join(repoRoot, 'test/policy/cli-entry.ts'),
      'mcp',
      '--server-name',
      options.serverName,
      '--principal',
      options.principal ?? 'u-17',
      '--roles',
      options.roles ?? 'analyst',
      '--bundle',
      options.bundle,
      ...databaseFlags(options.backend, options.dataDir),
      ...(options.extraFlags ?? []),
      '--',
      ...options.upstream,
    ],
    cwd: repoRoot,
    stderr: 'pipe',
    env: {
      ...(process.env as Record<string, string>),
      ARBITER_LOG_LEVEL: 'warn',
      ARBITER_ALLOW_GENERATED_KEYS: '1',
      ARBITER_CHECKPOINT_INTERVAL_MS: '0',
    },
  })
  let stderr = ''
  transport.stderr?.on('data', (chunk) => {
    stderr += String(chunk)
  })
  const client = new Client({ name: options.clientName ?? 'claude-code', version: '1.0.0' }, options.client)
  try {
    // The gateway opens the bundle and the ledger before it answers initialize (slow on a busy CI box).
    await client.connect(transport, { timeout: 240_000 })
  } catch (error) {
    throw new Error(`gateway did not start: ${String(error)}\n${stderr}`)
  }
  return { client, transport, pid: transport.pid!, stderr: () => stderr }
}

/** Process ids whose parent is `pid` (the upstream server a gateway started). */
export function childPids(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .map((l) => Number(l.trim()))
      .filter((n) => n > 0)
  } catch {
    return []
  }
}

/** Whether a process is still running. */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Waits until `check` is true (polling), or throws after `ms`. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  ms = 20_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`timed out waiting for ${what}`)
}

/** Every entry of the `default` chain on `backend` (open it only once the gateway has exited on PGlite). */
export async function readChain(backend: TestBackend): Promise<LedgerEntry[]> {
  const handle = await openDatabase(
    backend.databaseUrl ? { databaseUrl: backend.databaseUrl } : { dataDir: backend.dataDir! },
  )
  try {
    const ledger = createLedger(handle.db, {})
    const entries: LedgerEntry[] = []
    for await (const entry of ledger.entries('default')) entries.push(entry)
    await ledger.close()
    return entries
  } finally {
    await handle.close()
  }
}

/** The `body` of an entry as a plain record. */
export const bodyOf = (entry: LedgerEntry): Record<string, unknown> => entry.body as Record<string, unknown>
