import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..')

/** A real `arbiter witness` child process on a free port. */
export interface WitnessChild {
  readonly url: string
  /** The witness's verifier key, as it printed it. */
  readonly vkey: string
  readonly stderr: () => string
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>
}

/**
 * Starts `arbiter witness --port 0 --data-dir <dir> <args>` from the TypeScript sources as its own OS
 * process, and resolves once it prints its verifier key and URL.
 *
 * @example
 * const witness = await startWitness(dir, ['--log', logVkey])
 */
export async function startWitness(dataDir: string, args: readonly string[]): Promise<WitnessChild> {
  const script = "import('./src/cli/main.ts').then((m) => m.runCli(process.argv))"
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', '-e', script, 'arbiter', 'witness', '--port', '0', '--data-dir', dataDir, ...args],
    { cwd: root, env: { ...process.env, ARBITER_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] },
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
  const [vkey, url] = await new Promise<[string, string]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no witness line within 60 s: ${stderr}`)), 60_000)
    const look = () => {
      const match = /witness (\S+) on (http:\/\/[\d.:]+)/.exec(stdout)
      if (!match) return
      clearTimeout(timer)
      resolve([match[1]!, match[2]!])
    }
    child.stdout?.on('data', look)
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`arbiter witness exited (${code}) before listening: ${stderr}`))
    })
  })
  return {
    url,
    vkey,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM')
      return exited
    },
  }
}
