import { type Kysely, sql } from 'kysely'

/**
 * "Exactly once" enforced by the database, not by check-then-write in one process: partial unique
 * indexes over the entry bodies. Any number of guards and servers may race; the second writer gets a
 * unique violation (`LEDGER_DUPLICATE`) and its entry is not stored.
 *
 * - one `outcome` per decision (an outcome cannot be forged twice, a tool run is reported once);
 * - one `approval_request` per decision;
 * - one `timeout` verdict per approval request (several waiters may see it expire);
 * - one `decision` and one `conflict` per vendor event id (the Managed Agents session guard).
 *
 * Only rows of the named type are indexed, so other appends pay nothing but the predicate.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create unique index ledger_entries_one_outcome
    on ledger_entries (chain, (body->>'decision_id')) where type = 'outcome'`.execute(db)
  await sql`create unique index ledger_entries_one_approval_request
    on ledger_entries (chain, (body->>'decision_id')) where type = 'approval_request'`.execute(db)
  await sql`create unique index ledger_entries_one_timeout
    on ledger_entries (chain, (body->>'approval_id'))
    where type = 'approval' and (body->>'verdict') = 'timeout'`.execute(db)
  await sql`create unique index ledger_entries_one_decision_per_event
    on ledger_entries (chain, (body->>'event_id'))
    where type = 'decision' and (body->>'event_id') is not null`.execute(db)
  await sql`create unique index ledger_entries_one_conflict_per_event
    on ledger_entries (chain, (body->>'event_id'))
    where type = 'conflict' and (body->>'event_id') is not null`.execute(db)
}
