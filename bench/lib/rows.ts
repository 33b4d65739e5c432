import { randomUUID } from 'node:crypto'
import type { DecisionBody } from '../../src/entries/index.js'
import type { UnhashedEntry } from '../../src/ledger/index.js'
import { canonicalJson, sha256Hex } from '../../src/shared/index.js'

/** The v1 entry fields that are hashed (docs/ledger-format.md): everything but `hash`. */
export type UnhashedRow = UnhashedEntry

/** A row as stored in `ledger_entries`-shaped tables. */
export interface StoredRow {
  readonly chain: string
  readonly seq: number
  readonly ts: string
  readonly type: string
  readonly body: string
  readonly prev: string
  readonly hash: string
}

/**
 * A decision body of realistic size (~770 bytes of canonical JSON), the same for Arbiter and both baselines, so every
 * store writes the same bytes per entry. Fresh ids per call keep the expression indexes honest.
 */
export function sampleDecisionBody(i: number): DecisionBody {
  return {
    decision_id: randomUUID(),
    event_id: `evt_${i}`,
    input: {
      tool: { name: 'transfer_funds', kind: 'client' },
      arguments: {
        from_account: '[REDACTED]',
        to_account: 'GB33BUKB20201555555555',
        amount: 1250 + (i % 97),
        currency: 'EUR',
      },
      agent: { id: 'agent-payments-7', runtime: 'anthropic-messages', model: 'claude-sonnet-4-5' },
      principal: { id: 'user-4711', roles: ['teller'], tenant: 'bank-eu' },
      session: { id: 'sess-1a2b3c', thread: 'thr-9' },
      context: { time: '2026-11-25T21:00:00.000Z' },
    },
    action: 'allow',
    reasons: [{ rule: 'fintech.transfer_limit', message: 'amount within the teller limit of 5000 EUR' }],
    redacted: ['/from_account'],
    bundle: { revision: 'bench', sha256: 'f'.repeat(64) },
    duration_us: 21,
  }
}

/** Computes the entry hash exactly as the v1 format defines it: SHA-256 of the RFC 8785 form. */
export function hashRow(row: UnhashedRow): string {
  return sha256Hex(canonicalJson(row))
}

/** The stored form of a hashed row (body as its canonical JSON text, as Arbiter stores it). */
export function toStoredRow(row: UnhashedRow, hash: string): StoredRow {
  return {
    chain: row.chain,
    seq: row.seq,
    ts: row.ts,
    type: row.type,
    body: canonicalJson(row.body),
    prev: row.prev,
    hash,
  }
}
