import { randomBytes } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach } from 'vitest'
import { type CallContext, createGuard, type Guard, type GuardOptions } from '../../src/guard/index.js'
import {
  createLedger,
  type Ledger,
  type openDatabase,
  type VerifiableLedger,
} from '../../src/ledger/index.js'
import { buildBundle, loadPolicyEngine, type PolicyEngine } from '../../src/policy/index.js'
import { createPgliteBackend, openMigratedDatabase, type TestBackend } from './backends.js'
import { testBundles } from './bundles.js'

/** A migrated database of `backend` and a ledger over it. */
export interface LedgerStore {
  readonly ledger: Ledger & VerifiableLedger
  readonly db: Awaited<ReturnType<typeof openDatabase>>['db']
  close(): Promise<void>
}

export async function openStore(backend: TestBackend): Promise<LedgerStore> {
  const opened = await openMigratedDatabase(backend)
  const ledger = createLedger(opened.db, {})
  return {
    ledger,
    db: opened.db,
    async close() {
      await ledger.close().catch(() => undefined)
      await opened.close().catch(() => undefined)
    },
  }
}

/** The real compiled policy bundle of the checkout (built for this run by test/global-setup.ts). */
export async function loadTestPolicy(): Promise<PolicyEngine> {
  // A generous deadline: the suites using it assert decisions, and a starved shared machine must not
  // turn one into a timeout (the deadline itself is tested in test/policy and test/security).
  return loadPolicyEngine({ bundlePath: testBundles().shipped, evaluationTimeoutMs: 10_000 })
}

/**
 * A real bundle, compiled by OPA, whose decision is malformed (`action: maybe`): the engine must turn
 * it into a deny with rule `arbiter.policy_error`.
 */
export async function loadBrokenPolicy(): Promise<PolicyEngine> {
  const dir = mkdtempSync(join(tmpdir(), 'arbiter-broken-policy-'))
  writeFileSync(
    join(dir, 'arbiter.rego'),
    'package arbiter\n\ndecision := {"action": "maybe", "reasons": []}\n',
  )
  writeFileSync(join(dir, 'data.json'), '{}\n')
  const outPath = join(dir, 'bundle.tar.gz')
  await buildBundle({ policiesDir: dir, outPath, revision: 'broken-test', quiet: true })
  return loadPolicyEngine({ bundlePath: outPath, evaluationTimeoutMs: 10_000 })
}

export const redactionKey = randomBytes(32).toString('hex')

export function guardFor(ledger: Ledger, policy: PolicyEngine, options: Partial<GuardOptions> = {}): Guard {
  return createGuard({
    policy,
    ledger,
    redactionKey,
    approvals: { pollMs: 20, timeoutMs: 10_000 },
    ...options,
  })
}

/** All entries of a chain, in order. */
export async function entriesOf(ledger: Ledger, chain = 'default') {
  const all = []
  for await (const entry of ledger.entries(chain)) all.push(entry)
  return all
}

/** Call contexts used across the guard and adapter suites (names the policy packs know). */
export const contexts: Record<'teller' | 'officer', CallContext> = {
  teller: {
    agent: { id: 'fin-assistant', runtime: 'custom' },
    principal: { id: 'emp-101', roles: ['teller'], tenant: 'acme' },
    session: { id: 'sess-teller' },
  },
  officer: {
    agent: { id: 'fin-assistant', runtime: 'custom' },
    principal: { id: 'emp-204', roles: ['payments_officer'], tenant: 'acme' },
    session: { id: 'sess-officer' },
  },
}

export const transferArgs = (amount: number) => ({
  amount,
  currency: 'USD',
  from_account: '4401778812',
  to_account: '7730019921',
  counterparty: 'Northwind Supplies',
})

/** What {@link usePgliteGuardEnvironment} provides; read its fields inside tests and hooks. */
export interface GuardEnvironment {
  readonly policy: PolicyEngine
  readonly store: LedgerStore
  /** Where `store` lives; open a second connection with `openStore(env.backend)`. */
  readonly backend: TestBackend
  /** A fresh chain name and a guard writing to it, made before each test. */
  readonly chain: string
  readonly guard: Guard
}

/**
 * Registers the hooks most guard and adapter suites share: one PGlite database and the real compiled
 * policy per file, and a fresh chain with its own guard per test (so tests stay independent).
 *
 * @example
 * const env = usePgliteGuardEnvironment('messages')
 * it('denies', async () => { await env.guard.check(input) })
 */
export function usePgliteGuardEnvironment(
  chainPrefix: string,
  guardOptions: Partial<GuardOptions> = {},
  /** Another backend (e.g. PostgreSQL from `backendFactories`); PGlite by default. */
  createBackend: () => Promise<TestBackend> = createPgliteBackend,
): GuardEnvironment {
  const state: { policy?: PolicyEngine; store?: LedgerStore; backend?: TestBackend } = {}
  let chain = ''
  let guard: Guard | undefined
  let n = 0
  beforeAll(async () => {
    state.policy = await loadTestPolicy()
    state.backend = await createBackend()
    state.store = await openStore(state.backend)
  })
  afterAll(async () => {
    await state.store?.close()
    await state.backend?.dispose()
    await state.policy?.close()
  })
  beforeEach(() => {
    chain = `${chainPrefix}-${++n}`
    guard = guardFor(state.store!.ledger, state.policy!, { chain, ...guardOptions })
  })
  return {
    get policy() {
      return state.policy!
    },
    get store() {
      return state.store!
    },
    get backend() {
      return state.backend!
    },
    get chain() {
      return chain
    },
    get guard() {
      return guard!
    },
  }
}
