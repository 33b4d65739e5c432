import type { ColumnType, Generated, Kysely } from 'kysely'
import type { LedgerDatabase } from '../ledger/index.js'

/** One run of ledger verification over one chain, as the server records and shows it. */
export interface VerificationRun {
  readonly chain: string
  readonly ts: string
  readonly ok: boolean
  /** Entries checked. */
  readonly entries: number
  readonly head: { readonly seq: number; readonly hash: string } | null
  /** The verifier's error code when not ok (e.g. LEDGER_CHAIN_BROKEN). */
  readonly errorCode: string | null
  readonly message: string
  /** API key principal that asked for it. */
  readonly requestedBy: string
}

export interface VerificationRunsTable {
  id: Generated<string>
  chain: string
  ts: string
  ok: boolean
  entries: ColumnType<string, number, never>
  head_seq: ColumnType<string | null, number | null, never>
  head_hash: string | null
  error_code: string | null
  message: string
  requested_by: string
}

/** Where verification results are kept; GET /v1/chains shows the latest per chain. */
export interface VerificationLog {
  record(run: VerificationRun): Promise<void>
  latest(): Promise<Map<string, VerificationRun>>
}

/**
 * Records verification runs in the `verification_runs` table (migrations/0100_api_keys.ts), so the
 * last result survives restarts and is shared by every server on the same database.
 *
 * @example
 * const log = createVerificationLog(db)
 * await log.record({ chain: 'default', ts, ok: true, entries: 12, head, errorCode: null, message: 'ok', requestedBy: 'alice' })
 */
export function createVerificationLog(shared: Kysely<LedgerDatabase>): VerificationLog {
  // Same database as the ledger; this log adds the view of its own table.
  const db = shared.withTables<{ verification_runs: VerificationRunsTable }>()
  return {
    async record(run) {
      await db
        .insertInto('verification_runs')
        .values({
          chain: run.chain,
          ts: run.ts,
          ok: run.ok,
          entries: run.entries,
          head_seq: run.head?.seq ?? null,
          head_hash: run.head?.hash ?? null,
          error_code: run.errorCode,
          message: run.message,
          requested_by: run.requestedBy,
        })
        .execute()
    },
    async latest() {
      const rows = await db
        .selectFrom('verification_runs')
        .selectAll()
        .distinctOn('chain')
        .orderBy('chain')
        .orderBy('id', 'desc')
        .execute()
      return new Map(
        rows.map((r) => [
          r.chain,
          {
            chain: r.chain,
            ts: r.ts,
            ok: r.ok,
            entries: Number(r.entries),
            head:
              r.head_seq !== null && r.head_hash !== null
                ? { seq: Number(r.head_seq), hash: r.head_hash }
                : null,
            errorCode: r.error_code,
            message: r.message,
            requestedBy: r.requested_by,
          },
        ]),
      )
    },
  }
}
