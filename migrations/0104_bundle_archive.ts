import { type Kysely, sql } from 'kysely'

/**
 * The bundle archive (docs/ledger-format.md, "Bundle archive"): every policy bundle a guard or server
 * loaded, stored once under the SHA-256 of its bytes, so "which policy made this decision" is answered
 * by the bytes themselves, not by trusting a revision string, and `arbiter policy replay` can re-run
 * them. Append-only like the ledger: row triggers reject UPDATE and DELETE, a statement trigger rejects
 * TRUNCATE, all `ENABLE ALWAYS`; the writer role may only INSERT and SELECT. A CHECK keeps the key in
 * the form the ledger's `bundle.sha256` uses (the bytes are hashed again by every reader).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('policy_bundles')
    .addColumn('sha256', 'char(64)', (c) => c.primaryKey().check(sql`sha256 ~ '^[0-9a-f]{64}$'`))
    .addColumn('revision', 'text', (c) => c.notNull())
    .addColumn('manifest', 'json', (c) => c.notNull())
    .addColumn('bytes', 'bytea', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('archived_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('policy_bundles_revision').on('policy_bundles').column('revision').execute()
  await sql`create trigger policy_bundles_no_update_delete before update or delete on policy_bundles
    for each row execute function arbiter_reject_change()`.execute(db)
  await sql`create trigger policy_bundles_no_truncate before truncate on policy_bundles
    for each statement execute function arbiter_reject_change()`.execute(db)
  await sql`alter table policy_bundles enable always trigger policy_bundles_no_update_delete`.execute(db)
  await sql`alter table policy_bundles enable always trigger policy_bundles_no_truncate`.execute(db)
  await sql`
    do $$
    begin
      if exists (select 1 from pg_roles where rolname = 'arbiter_writer') then
        revoke all on policy_bundles from public;
        grant select, insert on policy_bundles to arbiter_writer;
      end if;
      if exists (select 1 from pg_roles where rolname = 'arbiter_owner') then
        begin
          alter table policy_bundles owner to arbiter_owner;
        exception when insufficient_privilege then
          raise notice 'arbiter: cannot hand policy_bundles to arbiter_owner; see docs/ledger-format.md';
        end;
      end if;
    end
    $$`.execute(db)
}
