import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { verifyChain } from '../../src/ledger/index.js'
import type { PolicyEngine } from '../../src/policy/index.js'
import { step, useStandIn } from '../support/anthropic-stand-in.js'
import { backendFactories, type TestBackend } from '../support/backends.js'
import { entriesOf, guardFor, type LedgerStore, loadTestPolicy, openStore } from '../support/guard-harness.js'
import {
  careSessionGuard,
  careStep,
  confirmationAttempts,
  phiEmail,
  readRecord,
  startOnceFollowed,
} from '../support/session-harness.js'

// Two session guards follow one session and race over every event (two app instances by mistake, or
// a failover that overlaps). The database, not the process, keeps each act single.
const RUNS = 4

describe.each(backendFactories)('two session guards on one session (%s)', (name, createBackend) => {
  let backend: TestBackend
  let policy: PolicyEngine
  // PostgreSQL: each guard on its own connection pool, as two processes would be. PGlite is one
  // process by design: both guards share its handle (the race is between the guards).
  let stores: LedgerStore[] = []
  const api = useStandIn()

  beforeAll(async () => {
    backend = await createBackend()
    policy = await loadTestPolicy()
    stores = [await openStore(backend)]
    if (name === 'postgres') stores.push(await openStore(backend))
  })
  afterAll(async () => {
    for (const store of stores) await store.close()
    await backend?.dispose()
    await policy?.close()
  })

  it.each(Array.from({ length: RUNS }, (_, i) => i + 1))(
    'run %i: one decision and at most one conflict per event, each held call answered once',
    async (run) => {
      const { standIn, client } = api
      const chain = `race-${run}`
      const ran = [0, 0]
      const sessionId = standIn.createSession(
        [
          careStep.heldRead(),
          step.toolUse({ as: 'mail', name: 'send', mcpServer: 'email', permission: 'ask', input: phiEmail }),
          step.awaitAction(),
          step.customToolUse('ehr.read_record', readRecord, 'custom'),
          step.awaitAction(),
          careStep.phiSearch(),
          step.message('done'),
        ],
        { startOn: 'manual' },
      )
      const sessionGuards = [0, 1].map((i) =>
        careSessionGuard(client, guardFor(stores[i % stores.length]!.ledger, policy, { chain }), sessionId, {
          customTools: { 'ehr.read_record': { run: () => ({ potassium: 6.1, ran: ++ran[i]! }) } },
          takeoverMs: 5_000,
        }),
      )
      const running = Promise.all(sessionGuards.map((g) => g.run()))
      await startOnceFollowed(standIn, sessionId, 2)
      const summaries = await running

      const session = standIn.session(sessionId)
      const ids = ['read', 'mail', 'custom', 'search'].map((as) => session.ids.get(as))
      const entries = await entriesOf(stores[0]!.ledger, chain)
      const count = (type: string, eventId: string | undefined) =>
        entries.filter((e) => e.type === type && e.body.event_id === eventId).length
      expect(ids.map((id) => count('decision', id))).toEqual([1, 1, 1, 1])
      expect(ids.map((id) => count('conflict', id))).toEqual([0, 0, 0, 1])
      const outcomesPerDecision = new Map<unknown, number>()
      for (const e of entries.filter((e) => e.type === 'outcome'))
        outcomesPerDecision.set(e.body.decision_id, (outcomesPerDecision.get(e.body.decision_id) ?? 0) + 1)
      expect([...outcomesPerDecision.values()].every((n) => n === 1)).toBe(true)

      // Each held call got one confirmation in all (none refused), and the custom tool ran once.
      expect([ids[0], ids[1]].map((id) => confirmationAttempts(session, id))).toEqual([1, 1])
      const customAnswers = [...session.sent, ...session.rejected.map((r) => r.event)].filter(
        (e) => e.type === 'user.custom_tool_result',
      )
      expect(customAnswers).toHaveLength(1)
      expect(ran[0]! + ran[1]!).toBe(1)
      const total = (pick: (s: (typeof summaries)[number]) => number) =>
        summaries.reduce((sum, s) => sum + pick(s), 0)
      expect(total((s) => s.decisions)).toBe(4)
      expect(total((s) => s.conflicts)).toBe(1)
      expect(total((s) => s.rejectedAnswers)).toBe(0)
      expect(total((s) => s.failures)).toBe(0)
      expect(await verifyChain(stores[0]!.ledger, chain)).toMatchObject({ ok: true })
    },
  )
})
