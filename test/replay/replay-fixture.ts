import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createPolicyLoadRecorder } from '../../src/app/record-policy-loads.js'
import { thisProcess } from '../../src/entries/index.js'
import { createGuard } from '../../src/guard/index.js'
import { createBundleArchive } from '../../src/ledger/index.js'
import {
  type BuiltBundle,
  buildBundle,
  DEFAULT_POLICIES_DIR,
  loadPolicyEngine,
} from '../../src/policy/index.js'
import { buildShipped, toolCall } from '../policy/helpers.js'
import type { TestBackend } from '../support/backends.js'
import { openStore, redactionKey } from '../support/guard-harness.js'

export const CHAIN = 'pay'

/** The shipped policies (teller limit 10,000 USD) and a candidate that tightens it to 5,000 USD. */
export async function buildBundles(dir: string): Promise<{ recorded: BuiltBundle; candidate: BuiltBundle }> {
  const recorded = await buildShipped(dir, 'replay-r1', 'recorded.tar.gz')
  const source = join(dir, 'candidate-policies')
  cpSync(DEFAULT_POLICIES_DIR, source, { recursive: true })
  const dataPath = join(source, 'data.json')
  const data = JSON.parse(readFileSync(dataPath, 'utf8')) as {
    fintech: { transfer_limits_usd: Record<string, number> }
  }
  data.fintech.transfer_limits_usd.teller = 5000
  writeFileSync(dataPath, `${JSON.stringify(data, null, 2)}\n`)
  const candidate = await buildBundle({
    policiesDir: source,
    outPath: join(dir, 'candidate.tar.gz'),
    revision: 'replay-r2-tight',
    quiet: true,
  })
  return { recorded, candidate }
}

const transfer = (amount: number, toAccount = '7730019921') =>
  toolCall('payments.transfer', {
    amount,
    currency: 'USD',
    from_account: '4401778812',
    to_account: toAccount,
    counterparty: 'Northwind Supplies',
  })

/** The decision ids recorded, by what the call was. */
export interface Recorded {
  readonly small: string
  readonly tightened: readonly [string, string]
  readonly balance: string
  readonly overLimit: string
  readonly restricted: string
}

/**
 * Records real decisions with the real guard on `backend`, under the recorded bundle loaded the way
 * `createArbiter` loads it (archived, `policy_loaded` appended first). Closes everything afterwards.
 */
export async function recordDecisions(backend: TestBackend, bundlePath: string): Promise<Recorded> {
  const store = await openStore(backend)
  const archive = createBundleArchive(store.db)
  const policy = await loadPolicyEngine({
    bundlePath,
    evaluationTimeoutMs: 10_000,
    onLoad: createPolicyLoadRecorder({
      archive,
      ledger: store.ledger,
      chains: [CHAIN],
      loadedBy: thisProcess('replay test'),
    }),
  })
  let n = 0
  const guard = createGuard({
    policy,
    ledger: store.ledger,
    redactionKey,
    chain: CHAIN,
    ids: { next: () => `d-${++n}` },
  })
  const decide = async (input: unknown) => (await guard.decide(input)).decisionId
  try {
    const small = await decide(transfer(3000))
    const first = await decide(transfer(7000))
    const balance = await decide(toolCall('accounts.get_balance', { account_number: '4401778812' }))
    const second = await decide(transfer(9000))
    const overLimit = await decide(transfer(20_000))
    // A restricted destination, denied by a rule that reads `to_account`, which is redacted before storage.
    const restricted = await decide(transfer(1000, '999000111222'))
    return { small, tightened: [first, second], balance, overLimit, restricted }
  } finally {
    await policy.close()
    await store.close()
  }
}
