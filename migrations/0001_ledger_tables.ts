import { type Kysely, sql } from 'kysely'

/**
 * The fixed ledger schema (docs/ledger-format.md). `body` is `json`, not `jsonb`: it keeps the text
 * exactly as written (the canonical form that was hashed) and accepts `\u0000`.
 * `ledger_heads` holds one row per chain: appenders lock it `FOR UPDATE` to assign `seq = head + 1`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table ledger_entries (
      chain text not null check (chain <> ''),
      seq bigint not null check (seq >= 1),
      ts text not null,
      type text not null check (type <> ''),
      body json not null,
      prev char(64) not null,
      hash char(64) not null,
      primary key (chain, seq)
    )`.execute(db)
  await sql`create index ledger_entries_decision_id on ledger_entries ((body->>'decision_id'))`.execute(db)
  await sql`create index ledger_entries_event_id on ledger_entries ((body->>'event_id'))`.execute(db)
  await sql`create index ledger_entries_approval_id on ledger_entries ((body->>'approval_id'))`.execute(db)
  await sql`create index ledger_entries_type_ts on ledger_entries (type, ts)`.execute(db)
  await sql`
    create table ledger_heads (
      chain text primary key,
      seq bigint not null check (seq >= 0),
      hash char(64) not null
    )`.execute(db)
  await sql`
    create table ledger_checkpoints (
      id bigserial primary key,
      chain text not null,
      seq bigint not null check (seq >= 1),
      hash char(64) not null,
      ts text not null,
      key_id text not null,
      sig text not null,
      public_key text not null
    )`.execute(db)
  await sql`create index ledger_checkpoints_chain_seq on ledger_checkpoints (chain, seq)`.execute(db)
}
