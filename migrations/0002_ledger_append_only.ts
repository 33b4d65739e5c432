import { type Kysely, sql } from 'kysely'

/**
 * Append-only at the database level. Row triggers reject UPDATE and DELETE, a statement trigger
 * rejects TRUNCATE (which fires no row triggers), and every trigger is `ENABLE ALWAYS` so
 * `session_replication_role = replica` does not skip it. `ledger_heads` may only move forward, and
 * only to an entry that exists with that hash, so it cannot be rewound to hide a truncation.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create function arbiter_reject_change() returns trigger language plpgsql as $$
    begin
      raise exception 'arbiter ledger is append-only: % on % rejected', tg_op, tg_table_name
        using errcode = 'insufficient_privilege';
    end
    $$`.execute(db)
  await sql`
    create function arbiter_check_head() returns trigger language plpgsql as $$
    begin
      if tg_op = 'UPDATE' then
        if new.chain <> old.chain then
          raise exception 'ledger head of % cannot be renamed', old.chain using errcode = 'insufficient_privilege';
        end if;
        if new.seq <= old.seq then
          raise exception 'ledger head of % must advance: % -> %', old.chain, old.seq, new.seq
            using errcode = 'insufficient_privilege';
        end if;
      end if;
      if new.seq = 0 then
        if new.hash <> repeat('0', 64) then
          raise exception 'empty ledger head of % must carry the genesis hash', new.chain
            using errcode = 'insufficient_privilege';
        end if;
        return new;
      end if;
      if not exists (
        select 1 from ledger_entries e where e.chain = new.chain and e.seq = new.seq and e.hash = new.hash
      ) then
        raise exception 'ledger head of % names no entry (seq %)', new.chain, new.seq
          using errcode = 'insufficient_privilege';
      end if;
      return new;
    end
    $$`.execute(db)

  for (const table of ['ledger_entries', 'ledger_checkpoints'] as const) {
    const t = sql.table(table)
    const rows = sql.id(`${table}_no_update_delete`)
    const trunc = sql.id(`${table}_no_truncate`)
    await sql`create trigger ${rows} before update or delete on ${t}
      for each row execute function arbiter_reject_change()`.execute(db)
    await sql`create trigger ${trunc} before truncate on ${t}
      for each statement execute function arbiter_reject_change()`.execute(db)
    await sql`alter table ${t} enable always trigger ${rows}`.execute(db)
    await sql`alter table ${t} enable always trigger ${trunc}`.execute(db)
  }
  await sql`create trigger ledger_heads_forward before insert or update on ledger_heads
    for each row execute function arbiter_check_head()`.execute(db)
  await sql`create trigger ledger_heads_no_delete before delete on ledger_heads
    for each row execute function arbiter_reject_change()`.execute(db)
  await sql`create trigger ledger_heads_no_truncate before truncate on ledger_heads
    for each statement execute function arbiter_reject_change()`.execute(db)
  for (const name of ['ledger_heads_forward', 'ledger_heads_no_delete', 'ledger_heads_no_truncate']) {
    await sql`alter table ledger_heads enable always trigger ${sql.id(name)}`.execute(db)
  }
}
