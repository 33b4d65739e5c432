import { sql } from 'kysely'
import { Migrator } from 'kysely/migration'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { migrateToLatest, openDatabase } from '../../src/ledger/index.js'
import { ArbiterMigrationProvider } from '../../src/ledger/migrations.js'
import { type ApiKeyStore, createApiKeyStore, hashApiKey } from '../../src/server/index.js'
import { backendFactories, openMigratedDatabase, type TestBackend } from '../support/backends.js'

describe.each(backendFactories)('createApiKeyStore on %s', (_name, createBackend) => {
  let backend: TestBackend
  let close: () => Promise<void>
  let keys: ApiKeyStore
  // biome-ignore lint/suspicious/noExplicitAny: raw row access for the "only the hash is stored" check
  let db: any

  beforeAll(async () => {
    backend = await createBackend()
    const opened = await openMigratedDatabase(backend)
    db = opened.db
    close = opened.close
    keys = createApiKeyStore(opened.db)
  })

  afterAll(async () => {
    await close?.()
    await backend?.dispose()
  })

  it('creates a key that authenticates as its principal, storing only its SHA-256', async () => {
    const { key, info } = await keys.create({
      role: 'approver',
      name: 'Alice',
      principalId: 'alice',
      roles: ['payments_officer'],
    })
    expect(key).toMatch(/^arb_[A-Za-z0-9_-]{43}$/)
    expect(await keys.authenticate(key)).toMatchObject({
      keyId: info.keyId,
      role: 'approver',
      principalId: 'alice',
      roles: ['payments_officer'],
    })
    const rows = await db.selectFrom('api_keys').selectAll().where('id', '=', info.keyId).execute()
    expect(rows[0].key_hash).toBe(hashApiKey(key))
    expect(JSON.stringify(rows)).not.toContain(key)
  })

  it('defaults the name, identity and principal id', async () => {
    const { info } = await keys.create({ role: 'auditor' })
    expect(info.name).toBe('auditor key')
    expect(info.principalId).toBe(`key:${info.keyId}`)
    expect(info.identity).toBe(`key:${info.keyId}`)
    expect(info.roles).toEqual([])
    const named = await keys.create({ role: 'agent', principalId: 'alice' })
    expect(named.info).toMatchObject({ identity: 'alice', principalId: 'alice', frontEnd: false })
    const agent = await keys.create({ role: 'agent', identity: 'fin-assistant' })
    expect(agent.info).toMatchObject({ identity: 'fin-assistant', principalId: 'fin-assistant' })
  })

  it('stores and authenticates the binding', async () => {
    const { key, info } = await keys.create({
      role: 'agent',
      identity: 'fin-assistant',
      principalId: 'alice',
      roles: ['teller'],
      actFor: ['bob'],
      assertRoles: ['teller'],
      frontEnd: false,
    })
    expect(await keys.authenticate(key)).toMatchObject({
      keyId: info.keyId,
      identity: 'fin-assistant',
      principalId: 'alice',
      roles: ['teller'],
      actFor: ['bob'],
      assertRoles: ['teller'],
      frontEnd: false,
    })
  })

  it('throws API_KEY_INVALID_BINDING for an approver or auditor key that would act for others', async () => {
    await expect(keys.create({ role: 'approver', frontEnd: true })).rejects.toThrowWithCode(
      'API_KEY_INVALID_BINDING',
    )
    await expect(keys.create({ role: 'auditor', actFor: ['x'] })).rejects.toThrowWithCode(
      'API_KEY_INVALID_BINDING',
    )
    await expect(keys.create({ role: 'agent', assertRoles: ['teller'] })).rejects.toThrowWithCode(
      'API_KEY_INVALID_BINDING',
    )
  })

  it('does not authenticate unknown, malformed or revoked keys', async () => {
    const { key, info } = await keys.create({ role: 'agent' })
    expect(await keys.authenticate(`${key}x`)).toBeNull()
    expect(await keys.authenticate('Bearer nonsense')).toBeNull()
    expect(await keys.authenticate(`arb_${'a'.repeat(200)}`)).toBeNull()
    const revoked = await keys.revoke(info.keyId)
    expect(revoked.revokedAt).not.toBeNull()
    expect(await keys.authenticate(key)).toBeNull()
    expect((await keys.list()).find((k) => k.keyId === info.keyId)?.revokedAt).toBe(revoked.revokedAt)
  })

  it('throws API_KEY_NOT_FOUND when revoking an unknown id', async () => {
    await expect(keys.revoke('no-such-id')).rejects.toThrowWithCode('API_KEY_NOT_FOUND')
  })

  it('lets the database refuse a role outside the fixed set', async () => {
    const { info } = await keys.create({ role: 'auditor' })
    await expect(
      db.updateTable('api_keys').set({ role: 'root' }).where('id', '=', info.keyId).execute(),
    ).rejects.toThrow(/check constraint/)
  })
})

describe.each(backendFactories)('upgrading api keys to migration 0102 on %s', (_name, createBackend) => {
  it('binds existing keys narrowly: identity from the old principal, agents name any principal but assert no roles', async () => {
    const backend = await createBackend()
    const handle = await openDatabase(
      backend.databaseUrl ? { databaseUrl: backend.databaseUrl } : { dataDir: backend.dataDir! },
    )
    try {
      const migrator = new Migrator({ db: handle.db, provider: new ArbiterMigrationProvider() })
      expect((await migrator.migrateTo('0101_ledger_unique_links')).error).toBeUndefined()
      // Keys as the code before 0102 wrote them (the secret is not needed: only its hash is stored).
      for (const [id, role, principal, roles] of [
        ['old-agent', 'agent', 'fin-assistant', '[]'],
        ['old-approver', 'approver', 'officer-2', '["payments_officer"]'],
      ] as const)
        await sql`insert into api_keys (id, name, role, principal_id, roles, key_hash, created_at)
          values (${id}, ${id}, ${role}, ${principal}, ${roles}, ${hashApiKey(id)}, '2026-01-01T00:00:00.000Z')`.execute(
          handle.db,
        )
      await migrateToLatest(handle.db)
      const keys = await createApiKeyStore(handle.db).list()
      expect(keys).toMatchObject([
        {
          keyId: 'old-agent',
          identity: 'fin-assistant',
          principalId: 'fin-assistant',
          roles: [],
          actFor: [],
          assertRoles: [],
          frontEnd: true,
        },
        {
          keyId: 'old-approver',
          identity: 'officer-2',
          principalId: 'officer-2',
          roles: ['payments_officer'],
          actFor: [],
          assertRoles: [],
          frontEnd: false,
        },
      ])
      // The database itself refuses a binding an approver key cannot hold.
      await expect(
        sql`update api_keys set front_end = true where id = 'old-approver'`.execute(handle.db),
      ).rejects.toThrow(/api_keys_binding_needs_decide/)
    } finally {
      await handle.close()
      await backend.dispose()
    }
  })
})
