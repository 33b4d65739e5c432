import { composeServer, type ServerParts } from '../app/index.js'
import type { VerifyChainOptions } from '../ledger/index.js'
import type { ArbiterServer } from '../server/index.js'

/** What `arbiter demo` prints after its sessions: where the UI is and keys to sign in with. */
export interface DemoServer {
  readonly url: string
  readonly auditorKey: string
  readonly approverKey: string
  /** Decision id of the transfer left waiting in the approval queue. */
  readonly pendingDecisionId: string
  close(): Promise<void>
}

async function listenWithFallback(server: ArbiterServer, port: number, host: string) {
  try {
    return await server.listen({ port, host })
  } catch (error) {
    // The demo must not fail because 8080 is taken: any free port will do.
    if ((error as { code?: string }).code !== 'EADDRINUSE') throw error
    return server.listen({ port: 0, host })
  }
}

/**
 * Starts the server for `arbiter demo` on the demo's Arbiter (its chain, database and bundle): creates
 * an auditor and an approver key (roles covering every approval rule of the sample policies) and files
 * one transfer over HTTP that waits in the approval queue, so the web UI has something to approve.
 *
 * @example
 * const demo = await startDemoServer(arbiter, { port: 8080 })
 * console.log(demo.url, demo.auditorKey, demo.approverKey)
 */
export async function startDemoServer(
  arbiter: ServerParts,
  options: {
    readonly port?: number
    readonly host?: string
    /** What the integrity page trusts (the demo pins its own signing key). */
    readonly verification?: VerifyChainOptions
  } = {},
): Promise<DemoServer> {
  const { server, keys } = composeServer(arbiter, {
    ...(options.verification ? { verification: options.verification } : {}),
    // Long enough for a person to find the request in the UI.
    limits: { approvalTimeoutMs: 60 * 60_000 },
  })
  const auditor = await keys.create({
    role: 'auditor',
    name: 'demo auditor',
    principalId: 'demo-auditor',
    roles: ['internal_audit'],
  })
  const approver = await keys.create({
    role: 'approver',
    name: 'demo officer',
    principalId: 'officer-demo',
    roles: ['payments_officer', 'treasury_manager', 'compliance_officer', 'privacy_officer'],
  })
  // Bound like a real sidecar key: speaks as fin-assistant, files for emp-204 as a payments officer.
  const agent = await keys.create({
    role: 'agent',
    name: 'demo agent',
    identity: 'fin-assistant',
    actFor: ['emp-204'],
    assertRoles: ['payments_officer'],
  })
  const listening = await listenWithFallback(server, options.port ?? 8080, options.host ?? '127.0.0.1')
  const response = await fetch(`${listening.url}/v1/decisions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${agent.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      tool: { name: 'payments.transfer', kind: 'client' },
      arguments: {
        amount: 18_500,
        currency: 'USD',
        from_account: '4401778812',
        to_account: '7730019921',
        counterparty: 'Nordwind Logistics GmbH',
      },
      agent: { id: 'fin-assistant', runtime: 'http-sidecar' },
      principal: { id: 'emp-204', roles: ['payments_officer'], tenant: 'acme' },
      session: { id: 'demo-http-1' },
    }),
  })
  const pending = (await response.json()) as { decision_id?: string }
  await keys.revoke(agent.info.keyId)
  return {
    url: listening.url,
    auditorKey: auditor.key,
    approverKey: approver.key,
    pendingDecisionId: String(pending.decision_id ?? ''),
    close: () => listening.close(),
  }
}

/**
 * The serve part of `arbiter demo`: starts the demo server, prints the URL and keys, and runs until
 * SIGINT/SIGTERM.
 *
 * @example
 * await serveDemo(arbiter, (line) => process.stdout.write(`${line}\n`))
 */
export async function serveDemo(
  arbiter: ServerParts,
  print: (line: string) => void,
  verification?: VerifyChainOptions,
): Promise<void> {
  const demo = await startDemoServer(arbiter, verification ? { verification } : {})
  print('')
  print(`compliance web UI: ${demo.url}/`)
  print(`  auditor key (read only):  ${demo.auditorKey}`)
  print(`  approver key (officer-demo): ${demo.approverKey}`)
  print('  a transfer of 18,500 USD for emp-204 is waiting in the Approvals tab')
  print('  keys are shown once; press Ctrl+C to stop')
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve)
    process.once('SIGTERM', resolve)
  })
  await demo.close()
}
