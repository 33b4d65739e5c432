import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll } from 'vitest'
import { composeServer, createArbiter, loadConfig } from '../../src/app/index.js'
import type { KyselyLedgerStore } from '../../src/ledger/index.js'
import type { ServerLimits } from '../../src/server/index.js'
import { type Logger, silentLogger } from '../../src/shared/index.js'
import type { TestBackend } from '../support/backends.js'
import { testBundles } from '../support/bundles.js'

/** The shipped packs, compiled for this run (test/global-setup.ts), never a stale build/. */
export const bundlePath = testBundles().shipped

/** A real server on 127.0.0.1:0 over a real database, policy bundle and guard, with one key per role. */
export interface ServerFixture {
  readonly url: string
  readonly keys: {
    readonly admin: string
    readonly auditor: string
    readonly approver: string
    /** Holds the approver role but is the principal who asks for transfers (emp-101): four eyes refuse it. */
    readonly selfApprover: string
    /** An approver without any role the policy requires. */
    readonly wrongRoleApprover: string
    /** Agent fin-assistant, acting for emp-101 (the principal of {@link transferCall}) as a teller or payments officer. */
    readonly agent: string
    readonly revoked: string
  }
  readonly composed: ReturnType<typeof composeServer>
  /** The ledger the server writes (for in-process guards on the same database). */
  readonly ledger: KyselyLedgerStore
  /** fetch against the server with an optional key. */
  call(
    path: string,
    init?: { method?: string; key?: string; body?: unknown; raw?: string },
  ): Promise<Response>
  close(): Promise<void>
}

/**
 * Starts the server the way `arbiter serve` composes it (`createArbiter` + `composeServer`), on a fresh
 * database of `backend`.
 */
export async function startServerFixture(
  backend: TestBackend,
  limits: Partial<ServerLimits> = {},
  options: { logger?: Logger; bundlePath?: string; shadowBundlePath?: string } = {},
): Promise<ServerFixture> {
  // Keys (and, for PGlite, the database) in a directory of the test's own; nothing from the environment.
  const dataDir = backend.dataDir ?? mkdtempSync(join(tmpdir(), 'arbiter-server-keys-'))
  const config = loadConfig(
    {
      ...(backend.databaseUrl ? { databaseUrl: backend.databaseUrl } : {}),
      dataDir,
      bundlePath: options.bundlePath ?? bundlePath,
      ...(options.shadowBundlePath ? { shadowBundlePath: options.shadowBundlePath } : {}),
      redactionKey: randomBytes(32).toString('hex'),
      // A generous deadline: these tests assert decisions, and a starved shared machine must not turn
      // one into a timeout (the deadline itself is tested in test/policy and test/security).
      evaluation: { evaluationTimeoutMs: 10_000 },
    },
    { env: {} },
  )
  const arbiter = await createArbiter(config, { logger: options.logger ?? silentLogger })
  const composed = composeServer(arbiter, { limits: { pollMs: 50, ...limits } })
  const create = async (
    role: 'admin' | 'auditor' | 'approver' | 'agent',
    principalId: string,
    roles: string[],
    binding: { actFor?: string[]; assertRoles?: string[] } = {},
  ) =>
    (await composed.keys.create({ role, name: `${role} ${principalId}`, principalId, roles, ...binding })).key
  const revoked = await composed.keys.create({ role: 'admin', name: 'old admin' })
  await composed.keys.revoke(revoked.info.keyId)
  const keys = {
    admin: await create('admin', 'admin-1', []),
    auditor: await create('auditor', 'auditor-1', ['internal_audit']),
    approver: await create('approver', 'officer-2', ['payments_officer']),
    selfApprover: await create('approver', 'emp-101', ['payments_officer']),
    wrongRoleApprover: await create('approver', 'clerk-3', ['teller']),
    agent: await create('agent', 'fin-assistant', [], {
      actFor: ['emp-101'],
      assertRoles: ['teller', 'payments_officer'],
    }),
    revoked: revoked.key,
  }
  const listening = await composed.server.listen({ port: 0, host: '127.0.0.1' })
  return {
    url: listening.url,
    keys,
    composed,
    ledger: arbiter.ledger,
    call(path, init = {}) {
      const headers: Record<string, string> = {}
      if (init.key) headers.authorization = `Bearer ${init.key}`
      let body: string | undefined
      if (init.raw !== undefined) body = init.raw
      else if (init.body !== undefined) body = JSON.stringify(init.body)
      if (body !== undefined) headers['content-type'] = 'application/json'
      return fetch(`${listening.url}${path}`, { method: init.method ?? 'GET', headers, body })
    },
    async close() {
      await listening.close()
      await arbiter.close()
      if (!backend.dataDir) rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** A fintech tool call from the policy's own test fixtures (agent fin-assistant, principal emp-101). */
export function transferCall(amount: number, roles: string[], extra: Record<string, unknown> = {}) {
  return {
    tool: { name: 'payments.transfer', kind: 'client' },
    arguments: {
      amount,
      currency: 'USD',
      from_account: '4401778812',
      to_account: '7730019921',
      counterparty: 'Bob',
      ...extra,
    },
    agent: { id: 'fin-assistant', runtime: 'anthropic', model: 'claude-sonnet-4-5' },
    principal: { id: 'emp-101', roles, tenant: 'acme' },
    session: { id: 'sess-1' },
  }
}

/**
 * Registers beforeAll/afterAll hooks that start a {@link startServerFixture} on a fresh database of
 * `createBackend` and tear both down; read the fixture inside tests through the returned getter.
 *
 * @example
 * const server = useServerFixture(createBackend)
 * it('answers', async () => expect((await server().call('/healthz')).status).toBe(200))
 */
export function useServerFixture(
  createBackend: () => Promise<TestBackend>,
  limits: Partial<ServerLimits> = {},
): () => ServerFixture {
  let backend: TestBackend | undefined
  let fixture: ServerFixture | undefined
  beforeAll(async () => {
    backend = await createBackend()
    fixture = await startServerFixture(backend, limits)
  })
  afterAll(async () => {
    await fixture?.close()
    await backend?.dispose()
  })
  return () => fixture!
}
