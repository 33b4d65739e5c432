import { type Kysely, sql } from 'kysely'

/**
 * Roles (docs/ledger-format.md, "Roles and grants"): `arbiter_owner` (NOLOGIN) owns the ledger
 * tables, `arbiter_writer` may only INSERT and SELECT history and move heads forward. Roles are
 * cluster-wide, so creation tolerates a role that exists already (or is being created by a
 * concurrent migration of another database), and a migrating user without CREATEROLE gets a notice
 * instead of a failure: the DBA then runs the documented statements.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    do $$
    begin
      begin
        if not exists (select 1 from pg_roles where rolname = 'arbiter_owner') then
          create role arbiter_owner nologin;
        end if;
      exception when duplicate_object or unique_violation then null;
      end;
      begin
        if not exists (select 1 from pg_roles where rolname = 'arbiter_writer') then
          create role arbiter_writer nologin;
        end if;
      exception when duplicate_object or unique_violation then null;
      end;
    exception when insufficient_privilege then
      raise notice 'arbiter: cannot create roles (no CREATEROLE); see docs/ledger-format.md for the grants';
    end
    $$`.execute(db)
  await sql`
    do $$
    begin
      if exists (select 1 from pg_roles where rolname = 'arbiter_writer') then
        revoke all on ledger_entries, ledger_checkpoints, ledger_heads from public;
        grant select, insert on ledger_entries, ledger_checkpoints to arbiter_writer;
        grant select, insert, update on ledger_heads to arbiter_writer;
        grant usage on sequence ledger_checkpoints_id_seq to arbiter_writer;
      end if;
      if exists (select 1 from pg_roles where rolname = 'arbiter_owner') then
        begin
          alter table ledger_entries owner to arbiter_owner;
          alter table ledger_checkpoints owner to arbiter_owner;
          alter table ledger_heads owner to arbiter_owner;
          alter function arbiter_reject_change() owner to arbiter_owner;
          alter function arbiter_check_head() owner to arbiter_owner;
        exception when insufficient_privilege then
          raise notice 'arbiter: cannot hand the ledger tables to arbiter_owner; see docs/ledger-format.md';
        end;
      end if;
    end
    $$`.execute(db)
}
