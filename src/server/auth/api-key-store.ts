import { randomBytes, randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import { z } from 'zod'
import type { LedgerDatabase } from '../../ledger/index.js'
import { ArbiterError, type Clock, sha256Hex, systemClock, toRfc3339Millis } from '../../shared/index.js'
import { type ApiRole, apiRoleSchema } from './roles.js'

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
}

// A type alias, not an interface: Kysely's `withTables` needs an index-compatible table map.
export type ApiKeysDatabase = { api_keys: ApiKeysTable }

/** The identity behind a request: who the key belongs to and what it may do. */
export interface ApiPrincipal {
  readonly keyId: string
  readonly name: string
  readonly role: ApiRole
  /** The principal id approvals are recorded under (four eyes compares it with the requester). */
  readonly principalId: string
  readonly roles: readonly string[]
}

/** A key as listed: everything but the secret, which is never stored. */
export interface ApiKeyInfo extends ApiPrincipal {
  readonly createdAt: string
  readonly revokedAt: string | null
}

export type ApiKeyErrorCode = 'API_KEY_NOT_FOUND' | 'API_KEY_INVALID_ROW'

/** A key operation failed (unknown id on revoke, or a corrupted row). */
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
  readonly principalId?: string
  readonly roles?: readonly string[]
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
const rowSchema = z.object({
  id: z.string(),
  name: z.string(),
  role: apiRoleSchema,
  principal_id: z.string(),
  roles: z.preprocess((v) => (typeof v === 'string' ? JSON.parse(v) : v), z.array(z.string())),
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
    principalId: r.principal_id,
    roles: r.roles,
    createdAt: r.created_at,
    revokedAt: r.revoked_at,
  }
}

const columns = ['id', 'name', 'role', 'principal_id', 'roles', 'created_at', 'revoked_at'] as const

/**
 * API keys in the `api_keys` table of the ledger database (PostgreSQL or PGlite).
 *
 * @throws {ApiKeyError} API_KEY_NOT_FOUND from `revoke` for an unknown id.
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
    async create({ role, name, principalId, roles }) {
      const id = randomUUID()
      const key = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`
      const row = {
        id,
        name: name ?? `${role} key`,
        role,
        principal_id: principalId ?? `key:${id}`,
        roles: JSON.stringify(roles ?? []),
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
