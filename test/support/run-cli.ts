import { vi } from 'vitest'
import { runCli } from '../../src/cli/main.js'

/** What one in-process CLI run wrote, and its exit code. */
export interface CliRun {
  readonly stdout: string
  readonly stderr: string
  readonly code: number
}

/**
 * Runs `arbiter <args>` in this process (from source) and captures its output and exit code; the
 * process's own exit code is restored afterwards.
 *
 * @example
 * const { code, stderr } = await runCliCaptured('keys', 'create', '--role', 'nobody')
 */
export async function runCliCaptured(...args: string[]): Promise<CliRun> {
  let stdout = ''
  let stderr = ''
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk)
    return true
  })
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk)
    return true
  })
  const before = process.exitCode
  process.exitCode = 0
  try {
    await runCli(['node', 'arbiter', ...args])
    return { stdout, stderr, code: Number(process.exitCode ?? 0) }
  } finally {
    out.mockRestore()
    err.mockRestore()
    process.exitCode = before
  }
}
