import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const repoRoot = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..')

/**
 * Runs a TypeScript script of the repository (`node --import tsx <script> …args`) as a separate OS
 * process and resolves with its stdout once it exits 0; rejects with its stderr otherwise.
 *
 * @example
 * const out = await runTsxChild('test/guard/fixtures/approve-worker.ts', [url, chain, id, 'emp-317', 'payments_officer'])
 */
export function runTsxChild(script: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, script), ...args], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    let err = ''
    child.stdout.on('data', (chunk) => {
      out += chunk
    })
    child.stderr.on('data', (chunk) => {
      err += chunk
    })
    child.on('error', reject)
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${script} exited ${code}: ${err}`)),
    )
  })
}
