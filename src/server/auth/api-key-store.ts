import { randomBytes, randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import { z } from 'zod'
import type { LedgerDatabase } from '../../ledger/index.js'
import { ArbiterError, type Clock, sha256Hex, systemClock, toRfc3339Millis } from '../../shared/index.js'
import type { KeyBinding } from './key-binding.js'
import { type ApiRole, apiRoleSchema, roleAllows } from './roles.js'

/** Row of `api_keys` (migrations/0100_api_keys.ts). Only the SHA-256 of a key is ever stored. */
export interface ApiKeysTable {
  id: string
  name: string
  role: string
  principal_id: string
  /** JSON array of role names the key's principal holds (used for four-eyes approval checks). */
  roles: unknown
  key_hash: string
  created_at: string
  revoked_at: string | null
  /** Agent or service id the key speaks as (migrations/0102_api_key_identity.ts). */
  identity: string
  /** JSON array of further principal ids the key may name in a call. */
  act_for: unknown
  /** JSON array of roles the key may claim for `act_for` principals or asserted end users. */
  assert_roles: unknown
  /** A trusted front end: may name any end-user principal (roles limited to `assert_roles`). */
  front_end: boolean
}

// A type alias, not an interface: Kysely's `withTables` needs an index-compatible table map.
export type ApiKeysDatabase = { api_keys: ApiKeysTable }

/**
 * The identity behind a request: who the key belongs to and what it may do (docs/trust-model.md).
 * `role` says which routes; the binding (`identity`, `principalId`/`roles`, `actFor`, `assertRoles`,
 * `frontEnd`) says as whom and for whom. See `resolveCallIdentity`.
 */
export interface ApiPrincipal extends KeyBinding {
  readonly keyId: string
  readonly name: string
  readonly role: ApiRole
}

/** A key as listed: everything but the secret, which is never stored. */
export interface ApiKeyInfo extends ApiPrincipal {
  readonly createdAt: string
  readonly revokedAt: string | null
}

export type ApiKeyErrorCode = 'API_KEY_NOT_FOUND' | 'API_KEY_INVALID_ROW' | 'API_KEY_INVALID_BINDING'

/** A key operation failed (unknown id on revoke, a corrupted row, or a binding its role cannot hold). */
export class ApiKeyError extends ArbiterError<ApiKeyErrorCode> {}

/** Create, list, revoke and check API keys. */
export interface ApiKeyStore {
  create(options: CreateApiKeyOptions): Promise<{ key: string; info: ApiKeyInfo }>
  list(): Promise<ApiKeyInfo[]>
  revoke(id: string): Promise<ApiKeyInfo>
  /** The principal for a presented secret, or null when unknown or revoked. */
  authenticate(secret: string): Promise<ApiPrincipal | null>
}

export interface CreateApiKeyOptions {
  readonly role: ApiRole
  readonly name?: string
  /** Agent or service id the key speaks as. Default: `principalId`, else `key:<id>`. */
  readonly identity?: string
  /** The key's own principal (approvals are recorded under it). Default: `identity`. */
  readonly principalId?: string
  /** Roles of that principal. */
  readonly roles?: readonly string[]
  /** Further principal ids an agent or admin key may name in a call. */
  readonly actFor?: readonly string[]
  /** Roles it may claim for `actFor` principals or asserted end users. */
  readonly assertRoles?: readonly string[]
  /** A trusted front end: may name any end-user principal id. */
  readonly frontEnd?: boolean
}

/** Secrets look like `arb_<43 base64url chars>`: 256 random bits, recognisable in leak scanners. */
const KEY_PREFIX = 'arb_'

/**
 * Hash under which a secret is stored and looked up (lowercase hex SHA-256).
 *
 * @example
 * hashApiKey('arb_…') // '3f1c…' (64 hex characters)
 */
export function hashApiKey(secret: string): string {
  return sha256Hex(secret)
}

// Rows are read back defensively: a hand-edited table must not grant a role that does not exist.
// A text that is not JSON stays a string, which the array schema then refuses: API_KEY_INVALID_ROW,
// never a SyntaxError that the HTTP layer would report as a database outage.
const jsonStrings = z.preprocess((v) => (typeof v === 'string' ? parseJsonOr(v) : v), z.array(z.string()))

function parseJsonOr(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}
const rowSchema = z.object({
  id: z.string(),
  name: z.string(),
  role: apiRoleSchema,
  identity: z.string().min(1),
  principal_id: z.string().min(1),
  roles: jsonStrings,
  act_for: jsonStrings,
  assert_roles: jsonStrings,
  front_end: z.boolean(),
  created_at: z.string(),
  revoked_at: z.string().nullable(),
})

function toInfo(row: unknown): ApiKeyInfo {
  const parsed = rowSchema.safeParse(row)
  if (!parsed.success) throw new ApiKeyError('API_KEY_INVALID_ROW', 'api_keys row does not match its schema')
  const r = parsed.data
  return {
    keyId: r.id,
    name: r.name,
    role: r.role,
    identity: r.identity,
    principalId: r.principal_id,
    roles: r.roles,
    actFor: r.act_for,
    assertRoles: r.assert_roles,
    frontEnd: r.front_end,
    createdAt: r.created_at,
    revokedAt: r.revoked_at,
  }
}

const columns = [
  'id',
  'name',
  'role',
  'identity',
  'principal_id',
  'roles',
  'act_for',
  'assert_roles',
  'front_end',
  'created_at',
  'revoked_at',
] as const

/** Only keys that ask for decisions act for anyone; the database checks the same (migration 0102). */
function checkBinding(options: CreateApiKeyOptions): void {
  const actsForOthers = Boolean(options.frontEnd) || (options.actFor?.length ?? 0) > 0
  if (!roleAllows(options.role, 'decide') && (actsForOthers || (options.assertRoles?.length ?? 0) > 0))
    throw new ApiKeyError(
      'API_KEY_INVALID_BINDING',
      `an ${options.role} key cannot act for other principals (only agent and admin keys ask for decisions)`,
    )
  if ((options.assertRoles?.length ?? 0) > 0 && !actsForOthers)
    throw new ApiKeyError(
      'API_KEY_INVALID_BINDING',
      'assert roles apply to act-for principals or front-end users; give --act-for or --front-end',
    )
}

/**
 * API keys in the `api_keys` table of the ledger database (PostgreSQL or PGlite).
 *
 * @throws {ApiKeyError} API_KEY_NOT_FOUND from `revoke` for an unknown id; API_KEY_INVALID_BINDING from
 *   `create` when an auditor or approver key is given principals or roles to act for.
 * @example
 * const keys = createApiKeyStore(db)
 * const { key } = await keys.create({ role: 'auditor', name: 'internal audit' })
 * const who = await keys.authenticate(key) // { role: 'auditor', ... }
 */
export function createApiKeyStore(
  shared: Kysely<LedgerDatabase>,
  options: { clock?: Clock } = {},
): ApiKeyStore {
  // Same database as the ledger; this store adds the view of its own table.
  const db = shared.withTables<ApiKeysDatabase>()
  const clock = options.clock ?? systemClock
  return {
    async create(options) {
      checkBinding(options)
      const { role, name, principalId, roles } = options
      const id = randomUUID()
      const key = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`
      const identity = options.identity ?? principalId ?? `key:${id}`
      const row = {
        id,
        name: name ?? `${role} key`,
        role,
        identity,
        principal_id: principalId ?? identity,
        roles: JSON.stringify(roles ?? []),
        act_for: JSON.stringify(options.actFor ?? []),
        assert_roles: JSON.stringify(options.assertRoles ?? []),
        front_end: options.frontEnd ?? false,
        key_hash: hashApiKey(key),
        created_at: toRfc3339Millis(clock.now()),
        revoked_at: null,
      }
      await db.insertInto('api_keys').values(row).execute()
      return { key, info: toInfo(row) }
    },
    async list() {
      const rows = await db
        .selectFrom('api_keys')
        .select(columns)
        .orderBy('created_at')
        .orderBy('id')
        .execute()
      return rows.map(toInfo)
    },
    async revoke(id) {
      const now = toRfc3339Millis(clock.now())
      await db
        .updateTable('api_keys')
        .set({ revoked_at: now })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .execute()
      const row = await db.selectFrom('api_keys').select(columns).where('id', '=', id).executeTakeFirst()
      if (!row) throw new ApiKeyError('API_KEY_NOT_FOUND', `no api key with id ${id}`)
      return toInfo(row)
    },
    async authenticate(secret) {
      // The secret is attacker-controlled: only its hash reaches the database, and odd shapes stop here.
      if (!secret.startsWith(KEY_PREFIX) || secret.length > 128) return null
      const row = await db
        .selectFrom('api_keys')
        .select(columns)
        .where('key_hash', '=', hashApiKey(secret))
        .where('revoked_at', 'is', null)
        .executeTakeFirst()
      return row ? toInfo(row) : null
    },
  }
}
