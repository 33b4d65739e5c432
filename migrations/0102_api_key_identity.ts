import { type Kysely, sql } from 'kysely'

/**
 * Binds every API key to an identity (docs/trust-model.md):
 *
 * - `identity`: the agent or service id the key speaks as (`agent.id` of its decisions; the requester
 *   identity the four-eyes rules compare);
 * - `act_for`: further principal ids the key may name in a call (JSON array);
 * - `assert_roles`: the roles it may claim for those principals, or for end users (JSON array);
 * - `front_end`: a trusted front end that may name any end-user principal id (roles still limited to
 *   `assert_roles`).
 *
 * Existing keys get the narrowest binding that keeps them working: their identity is their old
 * `principal_id`; an existing agent key may still name any principal (as before) but may assert no
 * roles, so no claimed role can raise a limit any more. Approver, auditor and admin keys keep their
 * principal and roles and may act for no one else.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table api_keys add column identity text`.execute(db)
  await sql`update api_keys set identity = principal_id`.execute(db)
  await sql`alter table api_keys alter column identity set not null`.execute(db)
  await sql`alter table api_keys add column act_for json not null default '[]'`.execute(db)
  await sql`alter table api_keys add column assert_roles json not null default '[]'`.execute(db)
  await sql`alter table api_keys add column front_end boolean not null default false`.execute(db)
  await sql`update api_keys set front_end = true where role = 'agent'`.execute(db)
  // Only keys that may ask for decisions act for anyone: a hand-edited approver key cannot.
  await sql`alter table api_keys add constraint api_keys_binding_needs_decide check (
    role in ('agent', 'admin')
    or (not front_end and json_array_length(act_for) = 0 and json_array_length(assert_roles) = 0)
  )`.execute(db)
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table api_keys drop constraint api_keys_binding_needs_decide`.execute(db)
  for (const column of ['front_end', 'assert_roles', 'act_for', 'identity'])
    await sql`alter table api_keys drop column ${sql.ref(column)}`.execute(db)
}
