import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs } from 'kysely'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { type Arbiter, composeServer, createArbiter, loadConfig } from '../../src/app/index.js'
import { createLedger } from '../../src/ledger/index.js'
import { silentLogger } from '../../src/shared/index.js'
import { backendFactories, type TestBackend } from '../support/backends.js'
import { bundlePath, transferCall } from './server-fixture.js'

// Issue 9, smaller items: with 1,000 pending approvals a /metrics scrape took 3 to 9 s and the waits
// polled the database ~1,900 times a second (one poll per waiter). Queries are counted, not timed.

/** Counts every query a Kysely instance runs, and those that read the chain head (one per poller tick). */
class QueryCounter implements KyselyPlugin {
  total = 0
  headReads = 0
  transformQuery(args: PluginTransformQueryArgs) {
    this.total += 1
    const text = JSON.stringify(args.node)
    if (args.node.kind === 'SelectQueryNode' && text.includes('"ledger_heads"')) this.headReads += 1
    return args.node
  }
  async transformResult(args: PluginTransformResultArgs) {
    return args.result
  }
}

const PENDING = 1000

describe.each(backendFactories)('1,000 pending approvals on %s', (_name, createBackend) => {
  let backend: TestBackend
  let arbiter: Arbiter
  let dataDir: string
  let composed: ReturnType<typeof composeServer>
  let listening: { url: string; close(): Promise<void> }
  let closeLedger: () => Promise<void>
  const counter = new QueryCounter()

  beforeAll(async () => {
    backend = await createBackend()
    dataDir = backend.dataDir ?? mkdtempSync(join(tmpdir(), 'arbiter-pending-'))
    const config = loadConfig(
      {
        ...(backend.databaseUrl ? { databaseUrl: backend.databaseUrl } : {}),
        dataDir,
        bundlePath,
        redactionKey: randomBytes(32).toString('hex'),
      },
      { env: {} },
    )
    arbiter = await createArbiter(config, { logger: silentLogger })
    // The server's queries (and its guard's ledger) go through the counting plugin.
    const db = arbiter.database.db.withPlugin(counter)
    const ledger = createLedger(db)
    closeLedger = () => ledger.close()
    composed = composeServer(
      { ...arbiter, database: { ...arbiter.database, db }, ledger },
      { limits: { pollMs: 50 } },
    )
    listening = await composed.server.listen({ port: 0 })
    const { key } = await composed.keys.create({
      role: 'agent',
      name: 'pending',
      identity: 'fin-assistant',
      actFor: ['emp-101'],
      assertRoles: ['payments_officer'],
    })
    // Each of these needs a payments officer: it stays pending (the timeout is 5 minutes).
    let next = 0
    await Promise.all(
      Array.from({ length: 25 }, async () => {
        while (next++ < PENDING) {
          const response = await fetch(`${listening.url}/v1/decisions`, {
            method: 'POST',
            headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
            body: JSON.stringify(transferCall(15_000, ['payments_officer'])),
          })
          expect(((await response.json()) as { status: string }).status).toBe('pending')
        }
      }),
    )
    await vi.waitFor(() => expect(composed.guard.approvals.waiting()).toBe(PENDING), { timeout: 30_000 })
  }, 300_000)

  afterAll(async () => {
    await listening?.close()
    await closeLedger?.()
    await arbiter?.close()
    await backend?.dispose()
    if (!backend?.dataDir && dataDir) rmSync(dataDir, { recursive: true, force: true })
  })

  it('waits on all of them with one poller: at most two queries per tick, not one per waiter', async () => {
    const start = { total: counter.total, ticks: counter.headReads }
    await vi.waitFor(() => expect(counter.headReads - start.ticks).toBeGreaterThanOrEqual(10), {
      timeout: 30_000,
      interval: 20,
    })
    const ticks = counter.headReads - start.ticks
    const queries = counter.total - start.total
    // A tick reads the head, and the new `approval` entries only when the head moved; +2 for a tick in flight.
    expect(queries).toBeLessThanOrEqual(2 * ticks + 2)
    expect(composed.guard.approvals.waiting()).toBe(PENDING)
  })

  it('scrapes /metrics without reading the database, and the gauge shows every waiting request', async () => {
    const before = { total: counter.total, ticks: counter.headReads }
    const text = await (await fetch(`${listening.url}/metrics`)).text()
    const ticks = counter.headReads - before.ticks
    // Anything but the poller's own ticks (which may fall inside the scrape) came from the scrape: none.
    expect(counter.total - before.total).toBeLessThanOrEqual(2 * ticks)
    expect(text).toMatch(new RegExp(`^arbiter_pending_approvals ${PENDING}$`, 'm'))
  })

  it('wakes a waiter as soon as an approval lands, and the gauge counts it out', async () => {
    const [request] = await composed.guard.approvals.unsettled()
    expect(request).toBeDefined()
    const { key } = await composed.keys.create({
      role: 'approver',
      name: 'officer',
      principalId: 'officer-2',
      roles: ['payments_officer'],
    })
    const response = await fetch(`${listening.url}/v1/approvals/${request!.approvalId}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ verdict: 'approve' }),
    })
    expect(response.status).toBe(200)
    await vi.waitFor(() => expect(composed.guard.approvals.waiting()).toBe(PENDING - 1))
  })
})
