import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { composeServer, verifyChainFor } from '../../src/cli/commands/serve.js'
import { createLedger } from '../../src/ledger/index.js'
import { loadPolicyEngine } from '../../src/policy/index.js'
import type { ServerLimits } from '../../src/server/index.js'
import { silentLogger } from '../../src/shared/index.js'
import { openMigratedDatabase, type TestBackend } from '../support/backends.js'

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..')
export const bundlePath = join(root, 'build', 'bundle.tar.gz')

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
    readonly agent: string
    readonly revoked: string
  }
  readonly composed: ReturnType<typeof composeServer>
  /** fetch against the server with an optional key. */
  call(
    path: string,
    init?: { method?: string; key?: string; body?: unknown; raw?: string },
  ): Promise<Response>
  close(): Promise<void>
}

/**
 * Starts the server the way `arbiter serve` composes it, on a fresh database of `backend`.
 */
export async function startServerFixture(
  backend: TestBackend,
  limits: Partial<ServerLimits> = {},
): Promise<ServerFixture> {
  const opened = await openMigratedDatabase(backend)
  const ledger = createLedger(opened.db)
  // A generous deadline: these tests assert decisions, and a starved shared machine must not turn
  // one into a timeout (the deadline itself is tested in test/policy and test/security).
  const policy = await loadPolicyEngine({ bundlePath, evaluationTimeoutMs: 10_000 })
  const composed = composeServer({
    db: opened.db,
    ledger,
    policy,
    redactionKey: randomBytes(32).toString('hex'),
    verify: verifyChainFor(opened.db),
    logger: silentLogger,
    limits: { pollMs: 50, ...limits },
  })
  const create = async (
    role: 'admin' | 'auditor' | 'approver' | 'agent',
    principalId: string,
    roles: string[],
  ) => (await composed.keys.create({ role, name: `${role} ${principalId}`, principalId, roles })).key
  const revoked = await composed.keys.create({ role: 'admin', name: 'old admin' })
  await composed.keys.revoke(revoked.info.keyId)
  const keys = {
    admin: await create('admin', 'admin-1', []),
    auditor: await create('auditor', 'auditor-1', ['internal_audit']),
    approver: await create('approver', 'officer-2', ['payments_officer']),
    selfApprover: await create('approver', 'emp-101', ['payments_officer']),
    wrongRoleApprover: await create('approver', 'clerk-3', ['teller']),
    agent: await create('agent', 'fin-assistant', []),
    revoked: revoked.key,
  }
  const listening = await composed.server.listen({ port: 0, host: '127.0.0.1' })
  return {
    url: listening.url,
    keys,
    composed,
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
      await ledger.close()
      await policy.close()
      await opened.close()
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
