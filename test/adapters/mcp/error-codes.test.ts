// The gateway's connect errors, provoked for real: an upstream command that does not exist
// (MCP_UPSTREAM_UNAVAILABLE), and a client transport that cannot be opened because it was already
// started, behind a real upstream server-filesystem over stdio (MCP_CLIENT_TRANSPORT_FAILED).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMcpGateway, stdioUpstream } from '../../../src/adapters/mcp/index.js'
import type { Guard } from '../../../src/guard/index.js'
import type { PolicyEngine } from '../../../src/policy/index.js'
import { createPgliteBackend, type TestBackend } from '../../support/backends.js'
import { guardFor, type LedgerStore, loadTestPolicy, openStore } from '../../support/guard-harness.js'
import { filesystemServer } from '../../support/mcp-gateway.js'

describe('MCP gateway connect errors', () => {
  let dir: string
  let root: string
  let policy: PolicyEngine
  let backend: TestBackend
  let store: LedgerStore
  let guard: Guard

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'arbiter-mcp-codes-'))
    root = join(dir, 'data')
    mkdirSync(root, { recursive: true })
    policy = await loadTestPolicy()
    backend = await createPgliteBackend()
    store = await openStore(backend)
    guard = guardFor(store.ledger, policy)
  }, 120_000)

  afterAll(async () => {
    await store?.close()
    await policy?.close()
    await backend?.dispose()
    rmSync(dir, { recursive: true, force: true })
  })

  it('MCP_UPSTREAM_UNAVAILABLE when the upstream command does not exist', async () => {
    const gateway = createMcpGateway({
      guard,
      serverName: 'missing',
      principal: { id: 'u-17', roles: ['analyst'] },
      connectUpstream: stdioUpstream(join(dir, 'no-such-mcp-server'), [], { stderr: 'ignore' }),
    })
    const client = new StdioServerTransport(new PassThrough(), new PassThrough())
    await expect(gateway.connect(client)).rejects.toMatchObject({
      name: 'McpGatewayError',
      code: 'MCP_UPSTREAM_UNAVAILABLE',
    })
  }, 60_000)

  it('MCP_CLIENT_TRANSPORT_FAILED when the client transport cannot be opened', async () => {
    const gateway = createMcpGateway({
      guard,
      serverName: 'filesystem',
      principal: { id: 'u-17', roles: ['analyst'] },
      connectUpstream: stdioUpstream(process.execPath, [filesystemServer, root], { stderr: 'ignore' }),
    })
    // A stdio transport someone else already started: opening it again fails.
    const client = new StdioServerTransport(new PassThrough(), new PassThrough())
    await client.start()
    try {
      await expect(gateway.connect(client)).rejects.toThrowWithCode('MCP_CLIENT_TRANSPORT_FAILED')
    } finally {
      await client.close()
    }
  }, 60_000)
})
