import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createPgliteBackend,
  createPostgresBackend,
  postgresEnabled,
  type TestBackend,
} from '../support/backends.js'

// Issue 11: the official MCP conformance server scenarios, run by scripts/mcp-conformance.mjs against
// server-everything directly and through `arbiter mcp --port` (HTTP and stdio upstreams).

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..')

interface Summary {
  readonly runs: Record<string, Record<string, string>>
  readonly regressions: readonly { run: string; check: string; status: string }[]
}

function runScript(
  args: readonly string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['scripts/mcp-conformance.mjs', '--json', ...args], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => {
      stdout += chunk
    })
    child.stderr.on('data', (chunk) => {
      stderr += chunk
    })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

const passed = (run: Record<string, string> | undefined) =>
  Object.entries(run ?? {})
    .filter(([, status]) => status === 'SUCCESS')
    .map(([id]) => id)

describe('npm run mcp:conformance', () => {
  let backend: TestBackend
  let result: { code: number | null; stdout: string; stderr: string }
  let summary: Summary

  beforeAll(async () => {
    backend = postgresEnabled ? await createPostgresBackend() : await createPgliteBackend()
    result = await runScript(backend.databaseUrl ? ['--database-url', backend.databaseUrl] : [])
    summary = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as Summary
  }, 900_000)

  afterAll(async () => {
    await backend?.dispose()
  })

  it('exits 0: every check that passes directly passes through the gateway', () => {
    expect(summary.regressions, result.stderr).toEqual([])
    expect(result.code, result.stderr).toBe(0)
  })

  it('ran the scenarios three ways, with real passes to compare', () => {
    expect(Object.keys(summary.runs)).toEqual(['direct', 'gateway-http-upstream', 'gateway-stdio-upstream'])
    const direct = passed(summary.runs.direct)
    // Not vacuous: initialize, ping, lists, subscriptions and tool calls pass directly.
    expect(direct).toEqual(
      expect.arrayContaining(['server-initialize/server-initialize', 'ping/ping', 'tools-list/tools-list']),
    )
    expect(direct.length).toBeGreaterThanOrEqual(10)
    for (const label of ['gateway-http-upstream', 'gateway-stdio-upstream'])
      expect(passed(summary.runs[label])).toEqual(expect.arrayContaining(direct))
  })

  it('the gateway refuses a rebinding Host, which the bare upstream does not', () => {
    const check = 'dns-rebinding-protection/localhost-host-rebinding-rejected'
    expect(summary.runs['gateway-http-upstream']?.[check]).toBe('SUCCESS')
    expect(summary.runs['gateway-stdio-upstream']?.[check]).toBe('SUCCESS')
  })
})
