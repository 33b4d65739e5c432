import { type ChildProcess, execFileSync, fork } from 'node:child_process'
import { resolve } from 'node:path'
import { repoRoot } from './options.js'

/**
 * Compiles `bench/workers/<name>.ts` and what it imports to plain JavaScript (tsc, no type check) under
 * node_modules/.cache, so the worker can run on bare Node: a process measured for its peak memory
 * must not carry the TypeScript loader (tsx alone adds ~40 MB of RSS, and more per loaded module).
 */
export function compileWorker(name: string): string {
  const outDir = resolve(repoRoot, 'node_modules', '.cache', 'arbiter-bench')
  if (!compiled) {
    const tsc = resolve(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc')
    const sources = [
      ...WORKERS.map((w) => resolve(repoRoot, 'bench', 'workers', `${w}.ts`)),
      // Loaded by path from a worker thread, not imported: compiled alongside.
      resolve(repoRoot, 'src', 'replay', 'replay-worker.ts'),
      resolve(repoRoot, 'src', 'ledger', 'verify-hash-worker.ts'),
    ]
    const flags = [
      '--noCheck',
      '--skipLibCheck',
      '--outDir',
      outDir,
      '--rootDir',
      repoRoot,
      '--module',
      'nodenext',
    ]
    flags.push(
      '--moduleResolution',
      'nodenext',
      '--target',
      'es2022',
      '--verbatimModuleSyntax',
      '--resolveJsonModule',
    )
    execFileSync(process.execPath, [tsc, ...flags, ...sources], {
      cwd: repoRoot,
      stdio: ['ignore', 'ignore', 'inherit'],
    })
    compiled = true
  }
  return resolve(outDir, 'bench', 'workers', `${name}.js`)
}

const WORKERS = ['verify-chain', 'append-chain', 'load-generator', 'replay-chain'] as const
let compiled = false

/** Starts a compiled worker (see {@link compileWorker}) on bare Node with an IPC channel. */
export function forkCompiled(
  path: string,
  args: readonly string[],
  nodeOptions: readonly string[] = [],
): ChildProcess {
  return fork(path, [...args], {
    cwd: repoRoot,
    execArgv: [...nodeOptions],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
}

/** Resolves the first IPC message of `type` from `child`; rejects if the child exits first. */
export function nextMessage<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolveP, reject) => {
    const onMessage = (m: unknown) => {
      if (typeof m === 'object' && m !== null && (m as { type?: unknown }).type === type) {
        cleanup()
        resolveP(m as T)
      } else if (typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'error') {
        cleanup()
        reject(new Error(`worker failed: ${String((m as { message?: unknown }).message)}`))
      }
    }
    const onExit = (code: number | null) => {
      cleanup()
      reject(new Error(`worker exited with ${code} before sending ${type}`))
    }
    const cleanup = () => {
      child.off('message', onMessage)
      child.off('exit', onExit)
    }
    child.on('message', onMessage)
    child.on('exit', onExit)
  })
}

/** Sends a message from inside a worker; run by hand (not forked), the worker prints it instead. */
export function tellParent(message: Record<string, unknown>): void {
  if (process.send) process.send(message)
  else process.stdout.write(`${JSON.stringify(message)}\n`)
}

/** Waits for the child to exit. */
export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode)
  return new Promise((r) => child.once('exit', (code) => r(code)))
}

/** Inside a worker: resolves when the parent sends `{ type }`. */
export function nextParentMessage(type: string): Promise<void> {
  return new Promise((resolveP) => {
    const onMessage = (m: unknown) => {
      if (typeof m === 'object' && m !== null && (m as { type?: unknown }).type === type) {
        process.off('message', onMessage)
        resolveP()
      }
    }
    process.on('message', onMessage)
  })
}
