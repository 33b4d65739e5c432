import { type Kysely, sql } from 'kysely'

/**
 * Cosignatures the log received from its witnesses (C2SP tlog-cosignature/v1), one row per witness
 * and checkpoint: the signed checkpoint note (text and the log's signature), the witness's key name,
 * key id, verifier key and signature line. Append-only like the ledger (same trigger function, `enable always`);
 * a second identical cosignature is dropped by the unique index (`on conflict do nothing`).
 * The rows are evidence, not trust: `arbiter verify --witness` re-checks every signature.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create table ledger_cosignatures (
    id bigserial primary key,
    chain text not null,
    tree_size bigint not null check (tree_size >= 0),
    root_hash text not null,
    note text not null,
    witness_name text not null,
    witness_key_id text not null check (witness_key_id ~ '^[0-9a-f]{8}$'),
    witness_vkey text not null,
    cosignature text not null,
    cosigned_at bigint not null,
    received_at text not null
  )`.execute(db)
  await sql`create unique index ledger_cosignatures_once
    on ledger_cosignatures (chain, witness_name, witness_key_id, tree_size, root_hash)`.execute(db)
  await sql`create index ledger_cosignatures_latest
    on ledger_cosignatures (chain, tree_size desc)`.execute(db)
  await sql`create trigger ledger_cosignatures_no_update_delete before update or delete on ledger_cosignatures
    for each row execute function arbiter_reject_change()`.execute(db)
  await sql`create trigger ledger_cosignatures_no_truncate before truncate on ledger_cosignatures
    for each statement execute function arbiter_reject_change()`.execute(db)
  await sql`alter table ledger_cosignatures enable always trigger ledger_cosignatures_no_update_delete`.execute(
    db,
  )
  await sql`alter table ledger_cosignatures enable always trigger ledger_cosignatures_no_truncate`.execute(db)
  await sql`
    do $$
    begin
      if exists (select 1 from pg_roles where rolname = 'arbiter_writer') then
        revoke all on ledger_cosignatures from public;
        grant select, insert on ledger_cosignatures to arbiter_writer;
        grant usage on sequence ledger_cosignatures_id_seq to arbiter_writer;
      end if;
      if exists (select 1 from pg_roles where rolname = 'arbiter_owner') then
        begin
          alter table ledger_cosignatures owner to arbiter_owner;
        exception when insufficient_privilege then
          raise notice 'arbiter: cannot hand ledger_cosignatures to arbiter_owner; see docs/ledger-format.md';
        end;
      end if;
    end
    $$`.execute(db)
}
