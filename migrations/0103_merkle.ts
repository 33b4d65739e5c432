import { type Kysely, sql } from 'kysely'

/**
 * The Merkle tree over each chain (docs/ledger-format.md, "Merkle tree"): one row per complete subtree,
 * keyed by (chain, level, idx): `2^level` leaves from leaf `idx * 2^level`; level 0 rows are leaf
 * hashes. Written in the same statement or transaction as the entries they cover, so an inclusion or
 * consistency proof, and any tlog tile, is a handful of primary-key lookups. Append-only like the
 * entries: UPDATE, DELETE and TRUNCATE are refused by `ENABLE ALWAYS` triggers.
 *
 * Chains written before this migration get their tree on the first append after it, or by
 * `arbiter migrate` (which backfills every chain), from the stored entries.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create table ledger_merkle (
    chain text not null,
    level smallint not null check (level between 0 and 62),
    idx bigint not null check (idx >= 0),
    hash bytea not null check (octet_length(hash) = 32),
    primary key (chain, level, idx)
  )`.execute(db)
  await sql`create trigger ledger_merkle_no_update_delete before update or delete on ledger_merkle
    for each row execute function arbiter_reject_change()`.execute(db)
  await sql`create trigger ledger_merkle_no_truncate before truncate on ledger_merkle
    for each statement execute function arbiter_reject_change()`.execute(db)
  await sql`alter table ledger_merkle enable always trigger ledger_merkle_no_update_delete`.execute(db)
  await sql`alter table ledger_merkle enable always trigger ledger_merkle_no_truncate`.execute(db)
  // Each checkpoint also as a C2SP signed note (tlog-checkpoint: origin, size = seq, Merkle root);
  // null for checkpoints signed before this migration. Old verifiers ignore the column.
  await sql`alter table ledger_checkpoints add column note text`.execute(db)
  // The same grants as the entries (migration 0003), when the roles exist.
  await sql`
    do $$
    begin
      if exists (select 1 from pg_roles where rolname = 'arbiter_writer') then
        revoke all on ledger_merkle from public;
        grant select, insert on ledger_merkle to arbiter_writer;
      end if;
      if exists (select 1 from pg_roles where rolname = 'arbiter_owner') then
        begin
          alter table ledger_merkle owner to arbiter_owner;
        exception when insufficient_privilege then
          raise notice 'arbiter: cannot hand ledger_merkle to arbiter_owner; see docs/ledger-format.md';
        end;
      end if;
    end
    $$`.execute(db)
}
