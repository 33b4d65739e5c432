import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { repoRoot } from './options.js'

/** A running `arbiter serve` child process. */
export interface SidecarServer {
  readonly url: string
  readonly pid: number | undefined
  /** CPU seconds (user + system) the server process has used so far, from /proc (Linux). */
  cpuSeconds(): number
  /** The last lines the server wrote to stderr (its log), for error reports. */
  logTail(): string
  stop(): Promise<void>
}

const CLOCK_TICKS_PER_SECOND = 100

/** utime + stime of a process in seconds (fields 14 and 15 of /proc/<pid>/stat), NaN when unreadable. */
export function processCpuSeconds(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name (field 2) may hold spaces; count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND
  } catch {
    return Number.NaN
  }
}

/**
 * Compiles `src/` and `migrations/` into `dist/` (what `npm run setup` does), so the server the sidecar
 * benchmark starts runs the sources of this checkout, exactly as `bin/arbiter.js` would for a user.
 */
export function buildDist(root: string = repoRoot): void {
  const tsc = resolve(root, 'node_modules', 'typescript', 'bin', 'tsc')
  for (const project of ['tsconfig.build.json', 'tsconfig.migrations.json'])
    execFileSync(process.execPath, [tsc, '-p', project], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
    })
}

/**
 * Starts `arbiter serve --port 0` on `databaseUrl` as a user would (`bin/arbiter.js`, default flags,
 * default log level), with a signing key and a redaction key of its own in a temporary data directory,
 * and resolves once it prints the URL it listens on. `extraArgs` go after `serve`.
 */
export async function startSidecarServer(options: {
  databaseUrl: string
  bundlePath: string
  chain: string
  extraArgs?: readonly string[]
  /** Node flags for the server process, e.g. `--cpu-prof` (bench/experiments/sidecar-profile.ts). */
  nodeFlags?: readonly string[]
  /** Checkout whose built `bin/arbiter.js` runs (default this one; experiments compare two builds). */
  root?: string
}): Promise<SidecarServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'arbiter-bench-serve-'))
  const signingKeyPath = join(dataDir, 'signing-key.pem')
  const publicKeyPath = join(dataDir, 'signing-key.pub.pem')
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  writeFileSync(signingKeyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 })
  // PostgreSQL mode pins the checkpoint key verification trusts (docs/trust-model.md).
  writeFileSync(publicKeyPath, publicKey.export({ type: 'spki', format: 'pem' }))
  const child: ChildProcess = spawn(
    process.execPath,
    [
      ...(options.nodeFlags ?? []),
      resolve(options.root ?? repoRoot, 'bin', 'arbiter.js'),
      'serve',
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--chain',
      options.chain,
      ...(options.extraArgs ?? []),
    ],
    {
      cwd: options.root ?? repoRoot,
      env: {
        ...process.env,
        DATABASE_URL: options.databaseUrl,
        ARBITER_DATA_DIR: dataDir,
        ARBITER_BUNDLE: options.bundlePath,
        ARBITER_SIGNING_KEY: signingKeyPath,
        ARBITER_TRUSTED_KEYS: publicKeyPath,
        ARBITER_REDACTION_KEY: randomBytes(32).toString('hex'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000)
  })
  const cleanup = () => rmSync(dataDir, { recursive: true, force: true })
  const url = await new Promise<string>((resolveP, reject) => {
    let stdout = ''
    const timer = setTimeout(
      () => reject(new Error(`arbiter serve did not start in 60 s: ${stderr}`)),
      60_000,
    )
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString()
      const match = /serving \w+ ledger on (http:\/\/[^\s]+)/.exec(stdout)
      if (match) {
        clearTimeout(timer)
        resolveP(match[1] as string)
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`arbiter serve exited (${code}): ${stderr.trim()}`))
    })
  }).catch((error: unknown) => {
    child.kill('SIGKILL')
    cleanup()
    throw error
  })
  return {
    url,
    pid: child.pid,
    cpuSeconds: () => processCpuSeconds(child.pid),
    logTail: () => stderr,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r))
        child.kill('SIGTERM')
        await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))])
        if (child.exitCode === null) child.kill('SIGKILL')
      }
      cleanup()
    },
  }
}
