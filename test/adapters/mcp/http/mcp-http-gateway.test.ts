import { mkdtempSync, rmSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLedger, type LedgerEntry } from '../../../../src/ledger/index.js'
import { buildBundle } from '../../../../src/policy/index.js'
import { createApiKeyStore } from '../../../../src/server/index.js'
import { backendFactories, openMigratedDatabase, type TestBackend } from '../../../support/backends.js'
import {
  childPids,
  everythingServer,
  startEverythingHttp,
  startMcpHttpGateway,
  type UrlChild,
} from '../../../support/mcp-http-child.js'
import { databaseFlags } from '../../../support/serve-child.js'

// Issue 11, HTTP mode: the official SDK client over Streamable HTTP → `arbiter mcp --port` (a real
// child process) → server-everything, over stdio (one process per session) and over Streamable HTTP.

const initializeBody = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
}

/** A raw POST of `initialize` with `headers`: what a client without the SDK (or an attacker) sends. */
function rawInitialize(url: string, headers: Record<string, string>): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
    body: JSON.stringify(initializeBody),
  })
}

/** The same, over node:http: fetch does not let a caller choose `Host`, an attacker's page can. */
function rawInitializeWithHost(
  url: string,
  host: string,
  key: string,
): Promise<{ status: number; body: { error?: { message: string } } }> {
  const body = JSON.stringify(initializeBody)
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: {
          host,
          authorization: `Bearer ${key}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        },
      },
      (res) => {
        let text = ''
        res.on('data', (chunk) => {
          text += chunk
        })
        // A refusal is JSON; an accepted initialize may answer as an SSE stream.
        const json = (res.headers['content-type'] ?? '').includes('json')
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: json ? JSON.parse(text) : {} }))
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

/** The parts of a `decision` body these tests read (docs/ledger-format.md). */
interface DecisionBody {
  readonly input: {
    readonly tool: unknown
    readonly agent: { readonly id: string; readonly runtime: string }
    readonly principal: { readonly id: string; readonly roles: string[] }
    readonly arguments: { readonly message?: string }
  }
  readonly caller?: { readonly key_id: string; readonly identity: string; readonly principal_id: string }
}

const errorOf = async (res: Response) =>
  ((await res.json()) as { error: { message: string; data: { code: string } } }).error

async function connect(url: string, headers: Record<string, string>): Promise<Client> {
  const client = new Client({ name: 'http-test-client', version: '1.0.0' })
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }))
  return client
}

async function decisionsOf(backend: TestBackend): Promise<LedgerEntry[]> {
  const handle = await openMigratedDatabase(backend)
  const ledger = createLedger(handle.db)
  try {
    const all: LedgerEntry[] = []
    for await (const entry of ledger.entries('default')) if (entry.type === 'decision') all.push(entry)
    return all
  } finally {
    await ledger.close()
    await handle.close()
  }
}

describe.each(backendFactories)('arbiter mcp --port on %s', (_name, createBackend) => {
  let backend: TestBackend
  let scratch: string
  let bundle: string
  let agentKey: string
  let frontEndKey: string
  let auditorKey: string
  let stdioGateway: UrlChild
  let httpGateway: UrlChild
  let upstream: UrlChild

  beforeAll(async () => {
    backend = await createBackend()
    scratch = mkdtempSync(join(tmpdir(), 'arbiter-mcp-http-'))
    bundle = (
      await buildBundle({
        policiesDir: 'test/fixtures/policies/mcp-allow-all',
        outPath: join(scratch, 'allow-all.tar.gz'),
        quiet: true,
      })
    ).path
    // Keys before the gateways open the database (one process at a time on PGlite), in one opening.
    const handle = await openMigratedDatabase(backend)
    try {
      const keys = createApiKeyStore(handle.db)
      agentKey = (
        await keys.create({ role: 'agent', identity: 'care-bot', principalId: 'u-17', roles: ['analyst'] })
      ).key
      frontEndKey = (
        await keys.create({
          role: 'agent',
          identity: 'portal-bot',
          principalId: 'portal',
          frontEnd: true,
          assertRoles: ['analyst', 'nurse'],
        })
      ).key
      auditorKey = (await keys.create({ role: 'auditor', principalId: 'internal-audit' })).key
    } finally {
      await handle.close()
    }
    upstream = await startEverythingHttp()
    const common = ['--server-name', 'everything', '--bundle', bundle, ...databaseFlags(backend, scratch)]
    stdioGateway = await startMcpHttpGateway([...common, '--', process.execPath, everythingServer, 'stdio'])
    // PGlite is one process's: the HTTP-upstream gateway runs on PostgreSQL only.
    if (backend.databaseUrl)
      httpGateway = await startMcpHttpGateway([...common, '--upstream-url', upstream.url])
    // Two gateway processes open (and migrate) their database on a shared CI machine.
  }, 300_000)

  afterAll(async () => {
    await stdioGateway?.stop()
    await httpGateway?.stop()
    await upstream?.stop()
    await backend?.dispose()
    rmSync(scratch, { recursive: true, force: true })
  })

  describe('without a valid key', () => {
    it('answers 401 with WWW-Authenticate when Authorization is missing', async () => {
      const res = await rawInitialize(stdioGateway.url, {})
      expect(res.status).toBe(401)
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="arbiter-mcp"/)
      expect((await errorOf(res)).data.code).toBe('UNAUTHENTICATED')
    })

    it('answers 401 with an invalid_token challenge for an unknown key', async () => {
      const res = await rawInitialize(stdioGateway.url, { authorization: 'Bearer arb_not-a-real-key' })
      expect(res.status).toBe(401)
      expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"')
    })

    it('answers 403 to a key whose role cannot make tool calls', async () => {
      const res = await rawInitialize(stdioGateway.url, { authorization: `Bearer ${auditorKey}` })
      expect(res.status).toBe(403)
      expect((await errorOf(res)).message).toContain('auditor key cannot make tool calls')
    })

    it('answers 403 when a key that is not a front end asserts another principal', async () => {
      const res = await rawInitialize(stdioGateway.url, {
        authorization: `Bearer ${agentKey}`,
        'arbiter-principal': 'someone-else',
      })
      expect(res.status).toBe(403)
      expect((await errorOf(res)).message).toContain('principal "someone-else" refused')
    })

    it('the SDK client fails to connect and no upstream is spawned', async () => {
      const before = childPids(stdioGateway.pid).length
      await expect(connect(stdioGateway.url, {})).rejects.toThrow()
      expect(childPids(stdioGateway.pid).length).toBe(before)
    })
  })

  describe('DNS rebinding', () => {
    it('refuses a foreign Host with 403 before the key is checked', async () => {
      const res = await rawInitializeWithHost(stdioGateway.url, 'evil.example.com', agentKey)
      expect(res.status).toBe(403)
      expect(res.body.error?.message).toContain('Invalid Host')
      // The same request with the gateway's own name is let through (the check is not refusing all).
      const own = await rawInitializeWithHost(stdioGateway.url, new URL(stdioGateway.url).host, agentKey)
      expect(own.status).toBe(200)
    })

    it('refuses a foreign Origin with 403', async () => {
      const res = await rawInitialize(stdioGateway.url, {
        authorization: `Bearer ${agentKey}`,
        origin: 'http://evil.example.com',
      })
      expect(res.status).toBe(403)
      expect((await errorOf(res)).message).toContain('Invalid Origin')
    })
  })

  describe('with an agent key, stdio upstream', () => {
    it('relays tools/list and tools/call, one upstream process per session, ended with the session', async () => {
      const before = childPids(stdioGateway.pid).length
      const a = await connect(stdioGateway.url, { authorization: `Bearer ${agentKey}` })
      const b = await connect(stdioGateway.url, { authorization: `Bearer ${agentKey}` })
      expect(childPids(stdioGateway.pid).length).toBe(before + 2)
      const tools = await a.listTools()
      expect(tools.tools.map((t) => t.name)).toContain('echo')
      const result = await a.callTool({ name: 'echo', arguments: { message: 'over http' } })
      expect(result).toEqual({ content: [{ type: 'text', text: 'Echo: over http' }] })
      const transport = b.transport as StreamableHTTPClientTransport
      await transport.terminateSession()
      await b.close()
      await expect.poll(() => childPids(stdioGateway.pid).length, { timeout: 10_000 }).toBe(before + 1)
      await (a.transport as StreamableHTTPClientTransport).terminateSession()
      await a.close()
      await expect.poll(() => childPids(stdioGateway.pid).length, { timeout: 10_000 }).toBe(before)
    })

    it('does not let another key use a session', async () => {
      const client = await connect(stdioGateway.url, { authorization: `Bearer ${agentKey}` })
      const sessionId = (client.transport as StreamableHTTPClientTransport).sessionId as string
      const res = await fetch(stdioGateway.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          authorization: `Bearer ${frontEndKey}`,
          'mcp-session-id': sessionId,
          'mcp-protocol-version': '2025-06-18',
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} }),
      })
      expect(res.status).toBe(404)
      await (client.transport as StreamableHTTPClientTransport).terminateSession()
      await client.close()
    })

    it('a trusted front end calls for the end user it asserts', async () => {
      const client = await connect(stdioGateway.url, {
        authorization: `Bearer ${frontEndKey}`,
        'arbiter-principal': 'patient-7',
        'arbiter-roles': 'nurse',
      })
      const result = await client.callTool({ name: 'echo', arguments: { message: 'for patient-7' } })
      expect(result.isError).toBeFalsy()
      await (client.transport as StreamableHTTPClientTransport).terminateSession()
      await client.close()
    })
  })

  describe('with an HTTP upstream', () => {
    it('relays tools/call to the upstream over Streamable HTTP', async ({ skip }) => {
      if (!httpGateway) skip()
      const client = await connect(httpGateway.url, { authorization: `Bearer ${agentKey}` })
      const result = await client.callTool({ name: 'echo', arguments: { message: 'via http upstream' } })
      expect(result).toEqual({ content: [{ type: 'text', text: 'Echo: via http upstream' }] })
      await client.close()
    })
  })

  describe('the ledger', () => {
    it("records each call for the key's bound identity, with the key as caller", async () => {
      await stdioGateway.stop()
      await httpGateway?.stop()
      const decisions = await decisionsOf(backend)
      const bodies = decisions.map((d) => d.body as unknown as DecisionBody)
      const overHttp = bodies.find((b) => b.input.arguments.message === 'over http')
      expect(overHttp?.input.agent).toMatchObject({ id: 'care-bot', runtime: 'mcp' })
      expect(overHttp?.input.principal).toMatchObject({ id: 'u-17', roles: ['analyst'] })
      expect(overHttp?.input.tool).toEqual({ name: 'echo', kind: 'mcp', server: 'everything' })
      expect(overHttp?.caller).toMatchObject({ identity: 'care-bot', principal_id: 'u-17' })
      const forPatient = bodies.find((b) => b.input.arguments.message === 'for patient-7')
      expect(forPatient?.input.agent.id).toBe('portal-bot')
      expect(forPatient?.input.principal).toMatchObject({ id: 'patient-7', roles: ['nurse'] })
      expect(forPatient?.caller).toMatchObject({ identity: 'portal-bot', principal_id: 'portal' })
    })
  })
})
