import type { ToolCallInput } from '../../src/policy/index.js'

const fin = { id: 'fin-assistant', runtime: 'anthropic-messages', model: 'claude-sonnet-4-5' }
const care = { id: 'care-assistant', runtime: 'anthropic-managed-agents', model: 'claude-sonnet-4-5' }
const teller = { id: 'user-4711', roles: ['teller'], tenant: 'bank-eu' }
const clinician = { id: 'dr-chen', roles: ['clinician'], tenant: 'hospital-1' }
const session = { id: 'sess-1a2b3c', thread: 'thr-9' }

function call(
  agent: ToolCallInput['agent'],
  principal: ToolCallInput['principal'],
  name: string,
  args: Record<string, unknown>,
): ToolCallInput {
  return { tool: { name, kind: 'client' }, arguments: args, agent, principal, session }
}

/**
 * Tool calls through the shipped packs (common, fintech, health) along their allow, deny and
 * approval paths, including the redaction and secret scans over every argument string. The same list
 * feeds the in-process engine, the OPA server and the guard.
 */
export function benchInputs(): ToolCallInput[] {
  return [
    call(fin, teller, 'payments.transfer', {
      from_account: 'DE89370400440532013000',
      to_account: 'GB33BUKB20201555555555',
      counterparty: 'Northwind Traders',
      amount: 120,
      currency: 'EUR',
    }),
    call(fin, teller, 'payments.transfer', {
      from_account: 'DE89370400440532013000',
      to_account: 'GB33BUKB20201555555555',
      counterparty: 'Oceanic Shell Holdings Ltd',
      amount: 250_000,
      currency: 'EUR',
    }),
    call(fin, teller, 'accounts.get_balance', { account_number: '0532013000' }),
    call(fin, teller, 'email.send', {
      to: 'client@example.com',
      subject: 'Statement',
      body: 'Your statement is attached.',
    }),
    call(fin, teller, 'web.search', {
      query: 'ECB deposit facility rate',
      api_key: 'sk-ant-0123456789abcdefghijklmnop',
    }),
    call(care, clinician, 'ehr.read_record', { patient_id: 'MRN-004211', purpose: 'treatment' }),
    call(care, clinician, 'shell.exec', { command: 'cat /etc/passwd' }),
  ]
}

/** The allowed call used for guarded-call overhead (the tool must run for the full path to be timed). */
export function allowedInput(): ToolCallInput {
  return benchInputs()[0] as ToolCallInput
}
