import { execFile, spawnSync } from 'node:child_process'
import { existsSync, renameSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const toolDir = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'tools', 'interop')
const binary = join(toolDir, 'bin', 'tlog-interop')

/**
 * The third-party checker (tools/interop: Go's sumdb/note + sumdb/tlog and transparency-dev/merkle,
 * pinned in its go.mod), built with `go build` through the module proxy when missing or older than its
 * sources, as the pinned OPA CLI is.
 */
export function interopBinary(): string {
  const sources = ['main.go', 'go.mod', 'go.sum'].map((f) => statSync(join(toolDir, f)).mtimeMs)
  if (existsSync(binary) && statSync(binary).mtimeMs >= Math.max(...sources)) return binary
  const tmp = `${binary}.${process.pid}`
  const go = existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : 'go'
  const built = spawnSync(go, ['build', '-o', tmp, '.'], { cwd: toolDir, encoding: 'utf8', timeout: 300_000 })
  if (built.status !== 0) throw new Error(`go build of tools/interop failed: ${built.stderr || built.error}`)
  renameSync(tmp, binary)
  return binary
}

/**
 * Runs the checker against a server; returns its exit status and parsed JSON line. Asynchronous: the
 * server under test usually runs in this very process and must keep answering. A list value repeats
 * its flag (`{ 'witness-vkey': [a, b] }` → `-witness-vkey a -witness-vkey b`).
 */
export function runInterop(
  args: Record<string, string | number | readonly string[]>,
): Promise<{ status: number | null; report: Record<string, unknown> }> {
  const flags = Object.entries(args).flatMap(([k, v]) =>
    (Array.isArray(v) ? v : [v]).flatMap((one) => [`-${k}`, String(one)]),
  )
  const bin = interopBinary()
  return new Promise((resolve) => {
    execFile(bin, flags, { encoding: 'utf8', timeout: 120_000 }, (error, stdout, stderr) => {
      let report: Record<string, unknown>
      try {
        report = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown>
      } catch {
        report = { ok: false, error: `unparseable output: ${stdout} ${stderr}` }
      }
      const status = error ? (typeof error.code === 'number' ? error.code : null) : 0
      resolve({ status, report })
    })
  })
}
