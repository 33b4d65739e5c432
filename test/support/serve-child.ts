import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { TestBackend } from './backends.js'
import { runCliCaptured } from './run-cli.js'

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..')

/** A real `arbiter serve` child process on a free port. */
export interface ServeChild {
  readonly url: string
  /** Everything the child wrote to stderr so far (its logs). */
  readonly stderr: () => string
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>
}

/** `--database-url` or `--data-dir` for `backend`, plus a data dir for generated keys. */
export function databaseFlags(backend: TestBackend, dataDir: string): string[] {
  return backend.databaseUrl
    ? ['--database-url', backend.databaseUrl, '--data-dir', dataDir]
    : ['--data-dir', backend.dataDir!]
}

/**
 * Creates an API key with the CLI (`arbiter keys create`) on `backend`'s database and returns it;
 * `binding` adds binding flags (`--front-end`, `--assert-roles …`, docs/trust-model.md).
 * Run it before `startServe` on PGlite: one process at a time may open an embedded database.
 */
export async function createKey(
  backend: TestBackend,
  dataDir: string,
  role: 'agent' | 'auditor' | 'approver' | 'admin',
  principal: string,
  binding: readonly string[] = [],
): Promise<string> {
  const flags = databaseFlags(backend, dataDir)
  const run = await runCliCaptured(
    'keys',
    'create',
    '--role',
    role,
    '--principal',
    principal,
    ...binding,
    ...flags,
  )
  if (run.code !== 0) throw new Error(`keys create failed: ${run.stderr}`)
  return run.stdout.trim()
}

/**
 * Starts `arbiter serve --port 0 <args>` from the TypeScript sources in a child process with `env`
 * added to this process's environment, and resolves once it prints its URL.
 *
 * @example
 * const server = await startServe(['--data-dir', dir], { ARBITER_EVAL_TIMEOUT_MS: '500' })
 * await fetch(`${server.url}/healthz`)
 * await server.stop()
 */
export async function startServe(args: string[], env: Record<string, string> = {}): Promise<ServeChild> {
  const script = "import('./src/cli/main.ts').then((m) => m.runCli(process.argv))"
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', '-e', script, 'arbiter', 'serve', '--port', '0', ...args],
    {
      cwd: root,
      // Tests generate their keys in a scratch data dir: a demo as far as PostgreSQL mode is concerned.
      env: { ...process.env, ARBITER_LOG_LEVEL: 'warn', ARBITER_ALLOW_GENERATED_KEYS: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (chunk) => {
    stdout += String(chunk)
  })
  child.stderr?.on('data', (chunk) => {
    stderr += String(chunk)
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no serving line within 90 s: ${stderr}`)), 90_000)
    const look = () => {
      const match = /serving \w+ ledger on (http:\/\/[\d.:]+)/.exec(stdout)
      if (!match) return
      clearTimeout(timer)
      resolve(match[1]!)
    }
    child.stdout?.on('data', look)
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`arbiter serve exited (${code}) before serving: ${stderr}`))
    })
  })
  return {
    url,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM')
      return exited
    },
  }
}
