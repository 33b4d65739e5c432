import type { CallContext } from '../../src/guard/index.js'

/**
 * The fintech and health scenario of issue 14, as plain data any framework adapter test can turn into
 * its own tool definitions: tools (framework name, policy name, JSON schema, a toy implementation)
 * and the calls a scripted model proposes, with the decision the policy bundle gives each.
 */

/** A JSON-schema object every framework accepts in strict mode (all properties required, no others). */
function strictObject(properties: Record<string, { type: 'string' | 'number' }>) {
  return {
    type: 'object' as const,
    properties,
    required: Object.keys(properties),
    additionalProperties: false as const,
  }
}

export interface ScenarioTool {
  /** The name the model sees (API tool names cannot contain dots). */
  readonly name: string
  readonly policyName: string
  readonly description: string
  readonly parameters: ReturnType<typeof strictObject>
}

export const scenarioTools: readonly ScenarioTool[] = [
  {
    name: 'accounts_get_balance',
    policyName: 'accounts.get_balance',
    description: 'Current balance of an account',
    parameters: strictObject({ account_number: { type: 'string' } }),
  },
  {
    name: 'payments_transfer',
    policyName: 'payments.transfer',
    description: 'Transfer money between accounts',
    parameters: strictObject({
      amount: { type: 'number' },
      currency: { type: 'string' },
      from_account: { type: 'string' },
      to_account: { type: 'string' },
      counterparty: { type: 'string' },
    }),
  },
  {
    name: 'ehr_read_record',
    policyName: 'ehr.read_record',
    description: 'Read a patient record',
    parameters: strictObject({ patient_id: { type: 'string' }, purpose: { type: 'string' } }),
  },
  {
    name: 'email_send',
    policyName: 'email.send',
    description: 'Send an email',
    parameters: strictObject({
      to: { type: 'string' },
      subject: { type: 'string' },
      body: { type: 'string' },
    }),
  },
  {
    name: 'shell_exec',
    policyName: 'shell.exec',
    description: 'Run a shell command',
    parameters: strictObject({ cmd: { type: 'string' } }),
  },
]

/** What every scenario tool does when it runs: records that it ran, and answers something plausible. */
export function runScenarioTool(ran: string[], tool: string, args: Record<string, unknown>): unknown {
  ran.push(tool)
  if (tool === 'accounts_get_balance') return { account_number: args.account_number, balance_usd: 100_000 }
  if (tool === 'payments_transfer') return { status: 'executed', reference: 'TRX-1' }
  if (tool === 'ehr_read_record') return { patient_id: args.patient_id, potassium_mmol_l: 6.1 }
  return { status: 'done' }
}

export type ScenarioRole = 'teller' | 'officer' | 'care'

/** Who calls: a teller and a payments officer of the bank, a clinician's care assistant. */
export function scenarioContext(role: ScenarioRole, runtime: string): CallContext {
  if (role === 'care')
    return {
      agent: { id: 'care-assistant', runtime },
      principal: { id: 'dr-chen', roles: ['clinician'], tenant: 'st-mary' },
      session: { id: `${runtime}-care` },
      context: { purpose: 'treatment' },
    }
  const principal =
    role === 'teller'
      ? { id: 'emp-101', roles: ['teller'], tenant: 'acme' }
      : { id: 'emp-204', roles: ['payments_officer'], tenant: 'acme' }
  return { agent: { id: 'fin-assistant', runtime }, principal, session: { id: `${runtime}-${role}` } }
}

/** A second payments officer: the four-eyes approver of the officer's transfers. */
export const secondOfficer = { id: 'emp-317', roles: ['payments_officer'] }

const transfer = (amount: number) => ({
  amount,
  currency: 'USD',
  from_account: '4401778812',
  to_account: '7730019921',
  counterparty: 'Northwind Supplies',
})

export interface ScenarioCall {
  readonly id: string
  readonly role: ScenarioRole
  readonly tool: string
  readonly arguments: Record<string, unknown>
  /** What the real policy bundle decides (before any approval). */
  readonly action: 'allow' | 'deny' | 'require_approval'
  readonly rules: readonly string[]
}

/** The scenario: one call each, with the policy's action and rule ids. */
export const scenarioCalls: readonly ScenarioCall[] = [
  {
    id: 'transfer over the limit',
    role: 'teller',
    tool: 'payments_transfer',
    arguments: transfer(50_000),
    action: 'deny',
    rules: ['fintech.transfer_limit'],
  },
  {
    id: 'transfer that needs four eyes',
    role: 'officer',
    tool: 'payments_transfer',
    arguments: transfer(40_000),
    action: 'require_approval',
    rules: ['fintech.four_eyes'],
  },
  {
    id: 'PHI read by a care assistant',
    role: 'care',
    tool: 'ehr_read_record',
    arguments: { patient_id: 'MRN-004211', purpose: 'treatment' },
    action: 'allow',
    rules: ['common.tool_allowlist'],
  },
  {
    id: 'PHI leak to an external tool',
    role: 'care',
    tool: 'email_send',
    arguments: { to: 'oncall-team@example.org', subject: 'Update', body: 'MRN-004211: potassium 6.1' },
    action: 'deny',
    rules: ['health.phi_identifier', 'health.phi_external'],
  },
  {
    id: 'unknown tool',
    role: 'teller',
    tool: 'shell_exec',
    arguments: { cmd: 'cat /etc/passwd' },
    action: 'deny',
    rules: ['common.default_deny'],
  },
]
