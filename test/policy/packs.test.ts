// The shipped packs, evaluated through the compiled WASM (the Rego unit tests in policies/ run on
// OPA's Go evaluator; these make sure the WASM build and the JS host agree on the key rules).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type DecisionAction, loadPolicyEngine, type ReloadablePolicyEngine } from '../../src/policy/index.js'
import { FixedClock } from '../../src/shared/index.js'
import { buildShipped, MARKET_OPEN, makeTempDir, removeDir, rulesOf, toolCall } from './helpers.js'

let dir: string
let engine: ReloadablePolicyEngine
const clock = new FixedClock(MARKET_OPEN)

beforeAll(async () => {
  dir = makeTempDir()
  engine = await loadPolicyEngine({
    bundlePath: (await buildShipped(dir)).path,
    clock,
    evaluationTimeoutMs: 10_000,
  })
})
afterAll(async () => {
  await engine.close()
  removeDir(dir)
})

type Call = ReturnType<typeof toolCall>
interface Case {
  call: Call
  action: DecisionAction
  rules: string[]
  approval?: { roles: string[]; count: number }
  redact?: string[]
  redactInput?: string[]
  /** Texts no reason message may contain (values the call carried). */
  notInMessages?: string[]
  at?: string
}

const pay = (amount: number, roles: string[], extra: Record<string, unknown> = {}) =>
  toolCall(
    'payments.transfer',
    {
      amount,
      currency: 'USD',
      from_account: '4401778812',
      to_account: '7730019921',
      counterparty: 'Bob',
      ...extra,
    },
    { roles },
  )
const order = (symbol: string, side = 'buy', quantity = 10, roles = ['trader']) =>
  toolCall('trading.place_order', { symbol, side, quantity }, { roles })
const care = (tool: string, args: Record<string, unknown>, principal = 'dr-chen', roles = ['clinician']) =>
  toolCall(tool, args, { agent: 'care-assistant', principal, roles })
const allowlist = ['common.tool_allowlist']

const cases: Record<string, Record<string, Case>> = {
  common: {
    'allowlisted tool': {
      call: toolCall('web.search', { query: 'fx rates' }),
      action: 'allow',
      rules: allowlist,
    },
    'tool off the allowlist': {
      call: toolCall('shell.exec', {}),
      action: 'deny',
      rules: ['common.default_deny'],
    },
    'unknown agent': {
      call: toolCall('web.search', { query: 'q' }, { agent: 'rogue' }),
      action: 'deny',
      rules: ['common.default_deny'],
    },
    'agent tool needing approval': {
      call: toolCall('email.send', { to: 'c@example.com', subject: 's', body: 'b' }),
      action: 'require_approval',
      rules: ['common.tool_requires_approval'],
      approval: { roles: ['compliance_officer'], count: 1 },
    },
    'AWS key in arguments': {
      call: toolCall('web.search', { query: 'AKIAIOSFODNN7EXAMPLE' }),
      action: 'deny',
      rules: ['common.secret_in_arguments'],
    },
    'private key in nested arguments': {
      call: toolCall('web.search', {
        query: 'q',
        attachments: [{ text: '-----BEGIN OPENSSH PRIVATE KEY-----' }],
      }),
      action: 'deny',
      rules: ['common.secret_in_arguments'],
    },
    'password field': {
      call: toolCall('web.search', { query: 'q', password: 'hunter2' }),
      action: 'deny',
      rules: ['common.secret_in_arguments'],
    },
    'redaction by field and by value': {
      call: toolCall('accounts.get_balance', {
        account_number: '4401778812',
        note: 'IBAN GB82WEST12345698765432',
      }),
      action: 'allow',
      rules: allowlist,
      redact: ['/account_number', '/note'],
    },
    'secrets are redacted as well as denied': {
      call: toolCall('web.search', { query: 'AKIAIOSFODNN7EXAMPLE', login: { password: 'hunter2' } }),
      action: 'deny',
      rules: ['common.secret_in_arguments', 'common.secret_in_arguments'],
      redact: ['/login/password', '/query'],
      notInMessages: ['AKIAIOSFODNN7EXAMPLE', 'hunter2'],
    },
    'a number shaped like an account number is redacted': {
      call: toolCall('accounts.get_balance', { account: 4401778812 }),
      action: 'allow',
      rules: allowlist,
      redact: ['/account'],
    },
    'identifiers in the context are redacted from the input': {
      call: {
        ...toolCall('web.search', { query: 'q' }),
        context: { note: 'ssn 078-05-1120', crm: { iban: 'x' }, n: 12 },
      },
      action: 'allow',
      rules: allowlist,
      redact: [],
      redactInput: ['/context/crm/iban', '/context/note'],
    },
  },
  fintech: {
    'transfer within limit': { call: pay(9_999, ['teller']), action: 'allow', rules: allowlist },
    'transfer above role limit': {
      call: pay(10_001, ['teller']),
      action: 'deny',
      rules: ['fintech.transfer_limit'],
    },
    'transfer without authority': {
      call: pay(10, ['trader']),
      action: 'deny',
      rules: ['fintech.transfer_limit'],
    },
    'transfer with invalid amount': {
      call: pay(-1, ['teller']),
      action: 'deny',
      rules: ['fintech.transfer_invalid'],
    },
    'an SSN as the amount and an IBAN as the currency': {
      call: pay(0, ['teller'], { amount: '078-05-1120', currency: 'GB82WEST12345698765432' }),
      action: 'deny',
      rules: ['fintech.transfer_invalid', 'fintech.transfer_invalid'],
      redact: ['/amount', '/currency', '/from_account', '/to_account'],
      notInMessages: ['078-05-1120', 'GB82WEST12345698765432'],
    },
    'an account number as the amount': {
      call: pay(4_401_778_812, ['teller']),
      action: 'deny',
      rules: ['fintech.transfer_limit'],
      notInMessages: ['4401778812'],
    },
    'four eyes, tier one': {
      call: pay(50_000, ['payments_officer']),
      action: 'require_approval',
      rules: ['fintech.four_eyes'],
      approval: { roles: ['payments_officer'], count: 1 },
    },
    'four eyes, tier two': {
      call: pay(200_000, ['payments_officer']),
      action: 'require_approval',
      rules: ['fintech.four_eyes'],
      approval: { roles: ['payments_officer', 'treasury_manager'], count: 2 },
    },
    'sanctioned counterparty': {
      call: pay(100, ['teller'], { counterparty: 'OCEANIC SHELL HOLDINGS LTD' }),
      action: 'deny',
      rules: ['fintech.sanctioned_counterparty'],
    },
    'order in trading hours': { call: order('MSFT'), action: 'allow', rules: allowlist },
    'order outside trading hours': {
      call: order('MSFT'),
      at: '2026-11-25T21:00:00.000Z',
      action: 'deny',
      rules: ['fintech.trading_hours'],
    },
    'order on a weekend': {
      call: order('MSFT'),
      at: '2026-11-29T15:00:00.000Z',
      action: 'deny',
      rules: ['fintech.trading_hours'],
    },
    'restricted security': { call: order('glObx'), action: 'deny', rules: ['fintech.restricted_security'] },
    'order by a non-trader': {
      call: order('MSFT', 'buy', 10, ['teller']),
      action: 'deny',
      rules: ['fintech.trading_role_required'],
    },
    'malformed order': { call: order('MSFT', 'buy', 2.5), action: 'deny', rules: ['fintech.order_invalid'] },
  },
  health: {
    'record with care relationship': {
      call: care('ehr.read_record', { patient_id: 'MRN-004211', purpose: 'treatment' }),
      action: 'allow',
      rules: allowlist,
      redact: ['/patient_id'],
    },
    'record without care relationship': {
      call: care('ehr.read_record', { patient_id: 'MRN-005120', purpose: 'treatment' }),
      action: 'deny',
      rules: ['health.care_relationship'],
    },
    'record for a non-clinical role': {
      call: care('ehr.read_record', { patient_id: 'MRN-004211', purpose: 'treatment' }, 'dr-chen', [
        'billing',
      ]),
      action: 'deny',
      rules: ['health.clinical_role_required'],
    },
    'record for a bad purpose': {
      call: care('ehr.read_record', { patient_id: 'MRN-004211', purpose: 'marketing' }),
      action: 'deny',
      rules: ['health.purpose_of_use'],
    },
    'break glass with justification': {
      call: care('ehr.read_record', {
        patient_id: 'MRN-005120',
        purpose: 'treatment',
        break_glass: true,
        justification: 'unconscious patient in ED, need allergies',
      }),
      action: 'require_approval',
      rules: ['health.break_glass'],
      approval: { roles: ['privacy_officer'], count: 1 },
    },
    'break glass without justification': {
      call: care('ehr.read_record', { patient_id: 'MRN-005120', purpose: 'treatment', break_glass: true }),
      action: 'deny',
      rules: ['health.break_glass_justification'],
    },
    'PHI agent email not de-identified': {
      call: care('email.send', { to: 'f@example.com', subject: 'update', body: 'stable' }),
      action: 'deny',
      rules: ['health.phi_external'],
    },
    'PHI agent email de-identified': {
      call: care('email.send', {
        to: 'f@example.com',
        subject: 'hours',
        body: 'visits 2-6pm',
        deidentified: true,
      }),
      action: 'allow',
      rules: allowlist,
    },
    'identifier in a de-identified email': {
      call: care('email.send', {
        to: 'f@example.com',
        subject: 's',
        body: 'MRN-004211 labs',
        deidentified: true,
      }),
      action: 'deny',
      rules: ['health.phi_identifier'],
      redact: ['/body'],
    },
  },
}

describe.each(Object.entries(cases))('the %s pack', (_pack, table) => {
  it.each(Object.entries(table))('%s', async (_name, c) => {
    clock.set(c.at ? new Date(c.at) : MARKET_OPEN)
    const { decision } = await engine.evaluate(c.call)
    expect(decision.action).toBe(c.action)
    expect(rulesOf(decision)).toEqual(c.rules)
    for (const reason of decision.reasons) expect(reason.message.length).toBeGreaterThan(10)
    expect(decision.approval).toEqual(c.approval)
    // opa-wasm orders sets its own way; the order of pointers carries no meaning.
    if (c.redact) expect([...(decision.redact ?? [])].sort()).toEqual([...c.redact].sort())
    expect([...(decision.redact_input ?? [])].sort()).toEqual(c.redactInput ?? [])
    for (const text of c.notInMessages ?? [])
      for (const reason of decision.reasons) expect(reason.message).not.toContain(text)
  })
})

describe('arbiter/scan, the detectors over free text', () => {
  it('returns every flagged substring through the compiled WASM (in the evaluation workers)', async () => {
    const findings = await engine.scanTexts([
      'declined: account 4401778812, ssn 078-05-1120',
      'no secrets',
      'token ghp_R4nd0mT0k3nV4lu3F0rT3st1ngAbCdEf12 leaked',
    ])
    const expected = [
      { text: 0, match: '4401778812', detector: 'account number' },
      { text: 0, match: '078-05-1120', detector: 'US social security number' },
      { text: 2, match: 'ghp_R4nd0mT0k3nV4lu3F0rT3st1ngAbCdEf12', detector: 'GitHub token' },
    ]
    expect(findings).toHaveLength(expected.length)
    expect(findings).toEqual(expect.arrayContaining(expected))
    expect(await engine.scanTexts([])).toEqual([])
  })
})
