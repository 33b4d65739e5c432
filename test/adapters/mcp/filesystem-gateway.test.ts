// The official SDK client -> `arbiter mcp` (a real child process, from the CLI entry) -> the real
// @modelcontextprotocol/server-filesystem, on PGlite and PostgreSQL: reads allowed and returned
// unchanged, a write refused with its rule id (and no file written), a protected directory refused with
// none of its content reaching the client, a hidden tool absent from tools/list and refused when called,
// the ledger holding a durable decision for each, and no process left behind.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backendFactories, type TestBackend } from '../../support/backends.js'
import {
  bodyOf,
  buildMcpBundle,
  childPids,
  eventually,
  filesystemServer,
  type GatewayChild,
  isRunning,
  readChain,
  startGateway,
} from '../../support/mcp-gateway.js'

const SECRET = 'salary-table-TOP-SECRET-4411'
const REPORT = 'Q3 revenue: 1.2M\nline two ✓\n'

type CallResult = { content?: Array<{ type: string; text?: string }>; isError?: boolean }
const textOf = (result: unknown): string =>
  ((result as CallResult).content ?? []).map((c) => c.text ?? '').join('\n')

describe.each(backendFactories)('arbiter mcp in front of server-filesystem (%s)', (_name, createBackend) => {
  let dir: string
  let root: string
  let backend: TestBackend
  let gateway: GatewayChild
  let upstreamPid: number | undefined

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'arbiter-mcp-fs-'))
    root = join(dir, 'data')
    mkdirSync(join(root, 'restricted'), { recursive: true })
    writeFileSync(join(root, 'report.txt'), REPORT)
    writeFileSync(join(root, 'restricted', 'salaries.csv'), SECRET)
    const bundle = await buildMcpBundle(dir, root)
    backend = await createBackend()
    gateway = await startGateway({
      backend,
      dataDir: join(dir, 'keys'),
      bundle: bundle.path,
      serverName: 'filesystem',
      upstream: [process.execPath, filesystemServer, root],
    })
    upstreamPid = childPids(gateway.pid)[0]
  }, 300_000)

  afterAll(async () => {
    await gateway?.client.close().catch(() => {})
    await backend?.dispose()
    rmSync(dir, { recursive: true, force: true })
  })

  it('answers initialize with the upstream server info and capabilities', () => {
    expect(gateway.client.getServerVersion()?.name).toBe('secure-filesystem-server')
    expect(gateway.client.getServerCapabilities()?.tools).toBeDefined()
  })

  it('lists the tools the policy shows, without the hidden one', async () => {
    const names = (await gateway.client.listTools()).tools.map((t) => t.name)
    expect(names).toContain('read_text_file')
    expect(names).toContain('write_file')
    expect(names).not.toContain('move_file')
  })

  it('returns an allowed read unchanged', async () => {
    const result = await gateway.client.callTool({
      name: 'read_text_file',
      arguments: { path: join(root, 'report.txt') },
    })
    expect(result.isError).not.toBe(true)
    expect(textOf(result)).toBe(REPORT)
  })

  it('refuses a write with its rule id, and the file does not exist afterwards', async () => {
    const target = join(root, 'new.txt')
    const result = await gateway.client.callTool({
      name: 'write_file',
      arguments: { path: target, content: 'should never be written' },
    })
    expect(result.isError).toBe(true)
    expect(textOf(result)).toContain('[mcp.fs_write_denied]')
    expect(textOf(result)).toContain('writes through MCP server filesystem are not allowed')
    expect(existsSync(target)).toBe(false)
  })

  it('refuses the protected directory: no content of it reaches the client', async () => {
    const reads = [
      { name: 'read_text_file', arguments: { path: join(root, 'restricted', 'salaries.csv') } },
      { name: 'list_directory', arguments: { path: join(root, 'restricted') } },
      { name: 'directory_tree', arguments: { path: root } },
      { name: 'search_files', arguments: { path: root, pattern: 'salaries' } },
      // The attack: a path that starts under a readable directory and climbs into the protected one.
      { name: 'read_text_file', arguments: { path: `${root}/x/../restricted/salaries.csv` } },
    ]
    for (const call of reads) {
      const result = await gateway.client.callTool(call)
      expect(result.isError, call.name).toBe(true)
      expect(JSON.stringify(result)).not.toContain(SECRET)
      expect(JSON.stringify(result)).not.toContain('salaries.csv')
    }
    const first = await gateway.client.callTool(reads[0]!)
    expect(textOf(first)).toContain('[mcp.fs_protected_path]')
  })

  it('refuses a hidden tool called anyway, naming arbiter.mcp_tool_hidden', async () => {
    const result = await gateway.client.callTool({
      name: 'move_file',
      arguments: { source: join(root, 'report.txt'), destination: join(root, 'moved.txt') },
    })
    expect(result.isError).toBe(true)
    expect(textOf(result)).toContain('[arbiter.mcp_tool_hidden]')
    expect(readFileSync(join(root, 'report.txt'), 'utf8')).toBe(REPORT)
  })

  it('ends itself and its upstream when the client goes away, leaving each decision in the ledger', async () => {
    expect(upstreamPid).toBeDefined()
    await gateway.client.close()
    await eventually(() => !isRunning(gateway.pid), 60_000, 'the gateway to exit')
    await eventually(() => !isRunning(upstreamPid!), 20_000, 'the upstream to exit')

    const entries = await readChain(backend)
    const decisions = entries.filter((e) => e.type === 'decision').map(bodyOf)
    const outcomes = entries.filter((e) => e.type === 'outcome').map(bodyOf)
    const byTool = (name: string) =>
      decisions.filter((d) => (d.input as { tool: { name: string } }).tool.name === name)
    const read = byTool('read_text_file')[0]!
    expect(read.action).toBe('allow')
    expect(read.input).toMatchObject({
      tool: { name: 'read_text_file', kind: 'mcp', server: 'filesystem' },
      agent: { id: 'claude-code', runtime: 'mcp' },
      principal: { id: 'u-17', roles: ['analyst'] },
    })
    // The allowed read has its outcome; refused calls have none run.
    expect(outcomes.find((o) => o.decision_id === read.decision_id)?.status).toBe('ok')
    const write = byTool('write_file')[0]!
    expect(write.action).toBe('deny')
    expect((write.reasons as { rule: string }[]).map((r) => r.rule)).toEqual(['mcp.fs_write_denied'])
    expect(outcomes.find((o) => o.decision_id === write.decision_id)).toBeUndefined()
    expect((byTool('move_file')[0]!.reasons as { rule: string }[])[0]!.rule).toBe('arbiter.mcp_tool_hidden')
    // One session id for the connection, on every decision.
    expect(new Set(decisions.map((d) => (d.input as { session: { id: string } }).session.id)).size).toBe(1)
  }, 120_000)
})
