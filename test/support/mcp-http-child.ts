import { type ChildProcess, spawn } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..')
const script = "import('./src/cli/main.ts').then((m) => m.runCli(process.argv))"

/** server-everything's entry (devDependency): `node <it> stdio` or `node <it> streamableHttp`. */
export const everythingServer = join(
  root,
  'node_modules',
  '@modelcontextprotocol',
  'server-everything',
  'dist',
  'index.js',
)

/** A running child process that printed a URL. */
export interface UrlChild {
  readonly url: string
  readonly pid: number
  readonly output: () => string
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>
}

function watch(child: ChildProcess, pattern: RegExp, what: string): Promise<UrlChild> {
  let output = ''
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start:\n${output}`)), 240_000)
    const onData = (chunk: Buffer) => {
      output += String(chunk)
      const match = pattern.exec(output)
      if (!match) return
      clearTimeout(timer)
      resolve({
        url: match[1] as string,
        pid: child.pid as number,
        output: () => output,
        async stop() {
          if (child.exitCode === null) child.kill('SIGTERM')
          return exited
        },
      })
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`${what} exited ${code}:\n${output}`))
    })
  })
}

/**
 * Starts `arbiter mcp --port 0 <args>` from the TypeScript sources and resolves once it prints its
 * `http://…/mcp` URL.
 *
 * @example
 * const gateway = await startMcpHttpGateway(['--server-name', 'everything', '--bundle', b, '--data-dir', d, '--', 'node', everythingServer, 'stdio'])
 */
export function startMcpHttpGateway(args: readonly string[]): Promise<UrlChild> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '-e', script, 'arbiter', 'mcp', '--port', '0', ...args],
    {
      cwd: root,
      env: { ...process.env, ARBITER_LOG_LEVEL: 'warn', ARBITER_ALLOW_GENERATED_KEYS: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  return watch(child, /(http:\/\/[^\s]+\/mcp)/, 'arbiter mcp --port')
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

/** server-everything over Streamable HTTP on a free port (a real upstream for `--upstream-url`). */
export async function startEverythingHttp(): Promise<UrlChild> {
  const port = await freePort()
  const child = spawn(process.execPath, [everythingServer, 'streamableHttp'], {
    cwd: root,
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const started = await watch(child, /listening on port (\d+)/, 'server-everything')
  return { ...started, url: `http://127.0.0.1:${port}/mcp` }
}

/** Pids of the live child processes of `pid` (Linux /proc): the upstreams a gateway spawned. */
export function childPids(pid: number): number[] {
  const out: number[] = []
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      // Field 3 is the state (Z = zombie, already gone), field 4 the parent pid.
      if (Number(fields[1]) === pid && fields[0] !== 'Z') out.push(Number(name))
    } catch {
      // The process ended while we looked.
    }
  }
  return out
}
