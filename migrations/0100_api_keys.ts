import { type Kysely, sql } from 'kysely'

/**
 * API keys for the HTTP server (src/server/auth/api-key-store.ts) and the server's record of ledger
 * verification runs (GET /v1/chains shows the last one per chain, across restarts).
 * Only the SHA-256 of a key is stored; the secret is printed once by `arbiter keys create`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('api_keys')
    .ifNotExists()
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) =>
      c.notNull().check(sql`role in ('agent', 'auditor', 'approver', 'admin')`),
    )
    .addColumn('principal_id', 'text', (c) => c.notNull())
    .addColumn('roles', 'json', (c) => c.notNull())
    .addColumn('key_hash', 'char(64)', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .execute()
  await db.schema
    .createTable('verification_runs')
    .ifNotExists()
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('chain', 'text', (c) => c.notNull())
    .addColumn('ts', 'text', (c) => c.notNull())
    .addColumn('ok', 'boolean', (c) => c.notNull())
    .addColumn('entries', 'bigint', (c) => c.notNull())
    .addColumn('head_seq', 'bigint')
    .addColumn('head_hash', 'char(64)')
    .addColumn('error_code', 'text')
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('requested_by', 'text', (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('verification_runs_chain_id')
    .ifNotExists()
    .on('verification_runs')
    .columns(['chain', 'id'])
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('verification_runs').ifExists().execute()
  await db.schema.dropTable('api_keys').ifExists().execute()
}
