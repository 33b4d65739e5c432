import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Kysely, sql } from 'kysely'
import { GENESIS_PREV, hashEntry, type LedgerDatabase, type LedgerEntry } from '../../src/ledger/index.js'
import { canonicalJson } from '../../src/shared/index.js'
import type { TestBackend } from '../support/backends.js'

export const repoRoot = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..')
const cliEntry = join(repoRoot, 'test', 'ledger', 'fixtures', 'cli.ts')
const verifier = join(repoRoot, 'scripts', 'verify-export.py')

export const pythonPresent = spawnSync('python3', ['--version']).status === 0

/** An Ed25519 checkpoint key pair written to PEM files (private: PKCS#8, public: SPKI). */
export interface KeyFiles {
  readonly privateKey: KeyObject
  readonly privatePath: string
  readonly publicPath: string
}

export function writeKeyPair(dir: string, name: string): KeyFiles {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const privatePath = join(dir, `${name}.pem`)
  const publicPath = join(dir, `${name}.pub.pem`)
  writeFileSync(privatePath, privateKey.export({ format: 'pem', type: 'pkcs8' }))
  writeFileSync(publicPath, publicKey.export({ format: 'pem', type: 'spki' }))
  return { privateKey, privatePath, publicPath }
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

/** CLI flags that point `arbiter` at the backend's database. */
export function databaseFlags(backend: TestBackend): string[] {
  return backend.databaseUrl ? ['--database-url', backend.databaseUrl] : ['--data-dir', backend.dataDir!]
}

export interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

// A clean environment for child processes: nothing from the developer's shell decides a result.
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG']
  return {
    ...Object.fromEntries(keep.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]])),
    ARBITER_LOG_LEVEL: 'error',
    ...env,
  }
}

/** Runs `arbiter <args>` from source in a child process with exactly `env` (plus PATH/HOME). */
export function runArbiter(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', cliEntry, ...args], {
      cwd: repoRoot,
      env: childEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => {
      stdout += String(chunk)
    })
    child.stderr.on('data', (chunk) => {
      stderr += String(chunk)
    })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/** A running `arbiter serve` child process. */
export interface ServeChild {
  readonly url: string
  readonly child: ChildProcess
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

export async function startServe(args: string[], env: Record<string, string> = {}): Promise<ServeChild> {
  const child = spawn(process.execPath, ['--import', 'tsx', cliEntry, 'serve', '--port', '0', ...args], {
    cwd: repoRoot,
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += String(chunk)
      const match = /serving \w+ ledger on (http:\/\/[\d.:]+)/.exec(output)
      if (match) resolve(match[1]!)
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    void exited.then((code) => reject(new Error(`serve exited with ${code}: ${output}`)))
  })
  return {
    url,
    child,
    async stop(signal = 'SIGTERM') {
      child.kill(signal)
      return exited
    },
  }
}

/** Runs the independent Python verifier on `input` (an export's text). */
export function pyVerify(input: string, args: string[] = []): Run {
  const run = spawnSync('python3', [verifier, ...args, '-'], { input, encoding: 'utf8', timeout: 120_000 })
  return { code: run.status, stdout: run.stdout, stderr: run.stderr }
}

/** A value nested `depth` arrays deep around a string of `bytes` characters. */
export function nested(depth: number, bytes = 10): unknown {
  let value: unknown = 'x'.repeat(bytes)
  for (let i = 0; i < depth; i++) value = [value]
  return value
}

/**
 * Appends an entry with plain SQL, bypassing the ledger's admission, as a version before body limits
 * could have stored it: hashed over its canonical text and linked to the head.
 */
export async function insertLikeAnOlderVersion(
  db: Kysely<LedgerDatabase>,
  chain: string,
  type: string,
  body: Record<string, unknown>,
  ts = new Date().toISOString(),
): Promise<LedgerEntry> {
  const head = await db
    .selectFrom('ledger_heads')
    .select(['seq', 'hash'])
    .where('chain', '=', chain)
    .executeTakeFirst()
  const seq = Number(head?.seq ?? 0) + 1
  const prev = head?.hash ?? GENESIS_PREV
  const text = canonicalJson(body)
  const unhashed = { v: 1 as const, chain, seq, ts, type, body, prev }
  const hash = hashEntry(unhashed, text)
  await sql`insert into ledger_entries (chain, seq, ts, type, body, prev, hash)
    values (${chain}, ${seq}, ${ts}, ${type}, ${text}, ${prev}, ${hash})`.execute(db)
  if (head) await db.updateTable('ledger_heads').set({ seq, hash }).where('chain', '=', chain).execute()
  else await db.insertInto('ledger_heads').values({ chain, seq, hash }).execute()
  return { ...unhashed, hash }
}
