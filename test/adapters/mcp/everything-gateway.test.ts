// The official SDK client -> `arbiter mcp` (a real child process) -> the real
// @modelcontextprotocol/server-everything, on PostgreSQL (approvers and the CLI are other processes on
// the same ledger, which an embedded PGlite database cannot share): progress, sampling, elicitation,
// roots, resources, prompts and pings pass through; an approval is granted by a second person over the
// HTTP API of a separate `arbiter serve`; a cancelled wait records `not_run`; an upstream killed
// mid-call gives the client an error and leaves the decision as outcome_unknown.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  CallToolResultSchema,
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
} from '@modelcontextprotocol/sdk/types.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPostgresBackend, postgresEnabled, type TestBackend } from '../../support/backends.js'
import {
  bodyOf,
  buildMcpBundle,
  childPids,
  eventually,
  everythingServer,
  type GatewayChild,
  isRunning,
  readChain,
  startGateway,
} from '../../support/mcp-gateway.js'
import { runCliCaptured } from '../../support/run-cli.js'
import { createKey, type ServeChild, startServe } from '../../support/serve-child.js'

type CallResult = { content?: Array<{ type: string; text?: string }>; isError?: boolean }
const textOf = (result: unknown): string =>
  ((result as CallResult).content ?? []).map((c) => c.text ?? '').join('\n')

const decisionIn = (message: string | undefined): string => {
  const match = /decision ([0-9a-f-]{36})/.exec(message ?? '')
  if (!match) throw new Error(`no decision id in ${message}`)
  return match[1]!
}

describe.skipIf(!postgresEnabled)('arbiter mcp in front of server-everything (postgres)', () => {
  let dir: string
  let bundle: string
  let backend: TestBackend
  let gateway: GatewayChild
  let serve: ServeChild
  let approverKey: string

  const start = () =>
    startGateway({
      backend,
      dataDir: join(dir, 'keys'),
      bundle,
      serverName: 'everything',
      upstream: [process.execPath, everythingServer, 'stdio'],
      client: { capabilities: { sampling: {}, elicitation: {}, roots: { listChanged: true } } },
    })

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'arbiter-mcp-everything-'))
    bundle = (await buildMcpBundle(dir, join(dir, 'data'))).path
    backend = await createPostgresBackend()
    gateway = await start()
    gateway.client.setRequestHandler(CreateMessageRequestSchema, async (request) => ({
      model: 'stand-in-model',
      role: 'assistant',
      content: {
        type: 'text',
        text: `sampled reply to ${JSON.stringify(request.params.messages[0]?.content)}`,
      },
    }))
    gateway.client.setRequestHandler(ElicitRequestSchema, async () => ({
      action: 'accept',
      content: { name: 'Ada Lovelace', check: true },
    }))
    gateway.client.setRequestHandler(ListRootsRequestSchema, async () => ({
      roots: [{ uri: 'file:///srv/project-root', name: 'project' }],
    }))
    approverKey = await createKey(backend, join(dir, 'keys'), 'approver', 'sup-1', ['--roles', 'supervisor'])
    serve = await startServe(['--database-url', backend.databaseUrl!, '--data-dir', join(dir, 'keys')])
  }, 400_000)

  afterAll(async () => {
    await gateway?.client.close().catch(() => {})
    await serve?.stop()
    await backend?.dispose()
    rmSync(dir, { recursive: true, force: true })
  })

  it('relays progress notifications of an allowed call under the client’s own token', async () => {
    const progress: number[] = []
    const result = await gateway.client.callTool(
      { name: 'trigger-long-running-operation', arguments: { duration: 1, steps: 3 } },
      undefined,
      { onprogress: (p) => progress.push(p.progress) },
    )
    expect(textOf(result)).toContain('Long running operation completed')
    // The gateway relays every progress before the result. (The SDK client itself handles a result
    // synchronously but a notification a microtask later, so when both land in one read it may drop the
    // last progress: the same happens talking to the upstream directly.)
    expect(progress.slice(0, 2)).toEqual([1, 2])
    expect(progress.every((p, i) => p === i + 1)).toBe(true)
  })

  it('relays the upstream’s sampling, elicitation and roots requests to the client', async () => {
    const sampled = await gateway.client.callTool({
      name: 'trigger-sampling-request',
      arguments: { prompt: 'say hi', maxTokens: 20 },
    })
    expect(textOf(sampled)).toContain('sampled reply to')
    expect(textOf(sampled)).toContain('say hi')
    const elicited = await gateway.client.callTool({ name: 'trigger-elicitation-request', arguments: {} })
    expect(textOf(elicited)).toContain('Ada Lovelace')
    const roots = await gateway.client.callTool({ name: 'get-roots-list', arguments: {} })
    expect(textOf(roots)).toContain('file:///srv/project-root')
  })

  it('passes resources, prompts, completion and pings through', async () => {
    const { resources } = await gateway.client.listResources()
    expect(resources.length).toBeGreaterThan(0)
    const read = await gateway.client.readResource({ uri: resources[0]!.uri })
    expect(read.contents[0]?.uri).toBe(resources[0]!.uri)
    const { prompts } = await gateway.client.listPrompts()
    expect(prompts.map((p) => p.name)).toContain('simple-prompt')
    const prompt = await gateway.client.getPrompt({ name: 'simple-prompt' })
    expect(prompt.messages.length).toBeGreaterThan(0)
    const completion = await gateway.client.complete({
      ref: { type: 'ref/prompt', name: 'completable-prompt' },
      argument: { name: 'department', value: 'Eng' },
    })
    expect(completion.completion.values).toContain('Engineering')
    await expect(gateway.client.ping()).resolves.toBeDefined()
    // An upstream error answer is relayed as the upstream gave it (a JSON-RPC error, not a refusal).
    await expect(gateway.client.getPrompt({ name: 'no-such-prompt' })).rejects.toThrow(/no-such-prompt/)
  })

  it('answers malformed tools/call params with InvalidParams (a JSON-RPC error), forwarding nothing', async () => {
    const malformed = { method: 'tools/call', params: { name: 42, arguments: 'rm -rf /' } }
    await expect(gateway.client.request(malformed as never, CallToolResultSchema)).rejects.toThrow(
      /invalid tools\/call params/,
    )
  })

  it('hides get-env from tools/list and refuses it when called anyway', async () => {
    const names = (await gateway.client.listTools()).tools.map((t) => t.name)
    expect(names).toContain('echo')
    expect(names).not.toContain('get-env')
    const result = await gateway.client.callTool({ name: 'get-env', arguments: {} })
    expect(result.isError).toBe(true)
    expect(textOf(result)).toContain('[arbiter.mcp_tool_hidden]')
    expect(textOf(result)).not.toContain('PATH')
  })

  it('holds a call for approval, with progress, until a second person approves over the HTTP API', async () => {
    const messages: string[] = []
    const progress: number[] = []
    const call = gateway.client.callTool({ name: 'get-sum', arguments: { a: 2, b: 3 } }, undefined, {
      onprogress: (p) => {
        messages.push(p.message ?? '')
        progress.push(p.progress)
      },
      resetTimeoutOnProgress: true,
      timeout: 120_000,
    })
    await eventually(() => messages.length > 0, 60_000, 'a progress notification while waiting')
    expect(messages[0]).toMatch(/waiting for approval .* by supervisor/)
    expect(progress[0]).toBe(1)
    const pending = await fetch(`${serve.url}/v1/approvals?status=pending`, {
      headers: { authorization: `Bearer ${approverKey}` },
    })
    const { approvals } = (await pending.json()) as { approvals: Array<{ approval_id: string }> }
    expect(approvals).toHaveLength(1)
    const approved = await fetch(`${serve.url}/v1/approvals/${approvals[0]!.approval_id}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${approverKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ verdict: 'approve', comment: 'checked' }),
    })
    expect(((await approved.json()) as { state: string }).state).toBe('approved')
    const result = await call
    expect(result.isError).not.toBe(true)
    expect(textOf(result)).toContain('5')
    const decisionId = decisionIn(messages[0])
    const outcome = (await readChain(backend)).find(
      (e) => e.type === 'outcome' && bodyOf(e).decision_id === decisionId,
    )
    expect(bodyOf(outcome!).status).toBe('ok')
  }, 180_000)

  it('ends the wait when the client cancels, and records the call as not run', async () => {
    const messages: string[] = []
    const controller = new AbortController()
    const call = gateway.client.callTool({ name: 'get-sum', arguments: { a: 1, b: 1 } }, undefined, {
      onprogress: (p) => messages.push(p.message ?? ''),
      signal: controller.signal,
      timeout: 120_000,
    })
    await eventually(() => messages.length > 0, 60_000, 'a progress notification while waiting')
    controller.abort('user pressed stop')
    await expect(call).rejects.toThrow()
    const decisionId = decisionIn(messages[0])
    await eventually(
      async () =>
        (await readChain(backend)).some(
          (e) =>
            e.type === 'outcome' && bodyOf(e).decision_id === decisionId && bodyOf(e).status === 'not_run',
        ),
      30_000,
      'the not_run outcome',
    )
  }, 180_000)

  it('gives a clear error when the upstream dies mid-call and leaves the decision outcome_unknown', async () => {
    const second = await start()
    const upstream = childPids(second.pid)
    expect(upstream).toHaveLength(1)
    const started: number[] = []
    const call = second.client.callTool(
      { name: 'trigger-long-running-operation', arguments: { duration: 60, steps: 60 } },
      undefined,
      { onprogress: (p) => started.push(p.progress), timeout: 120_000 },
    )
    await eventually(() => started.length > 0, 60_000, 'the call to be running upstream')
    process.kill(upstream[0]!, 'SIGKILL')
    const error = await call.then(
      () => undefined,
      (e: unknown) => e as Error,
    )
    expect(error?.message).toMatch(/gave no answer.*outcome_unknown \(decision [0-9a-f-]{36}\)/)
    const decisionId = decisionIn(error?.message)
    // The gateway ends with its upstream: no process is left behind.
    await eventually(() => !isRunning(second.pid), 60_000, 'the gateway to exit')
    expect(second.stderr()).toContain('arbiter: upstream MCP server everything exited')
    const unknown = await runCliCaptured('outcomes', '--unknown', '--database-url', backend.databaseUrl!)
    expect(unknown.code).toBe(0)
    expect(unknown.stdout).toContain(decisionId)
    expect(unknown.stdout).toContain('trigger-long-running-operation')
  }, 240_000)
})
