import { afterAll, beforeAll, describe, expect, it } from 'vitest'
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

  it('defaults the name and principal id', async () => {
    const { info } = await keys.create({ role: 'auditor' })
    expect(info.name).toBe('auditor key')
    expect(info.principalId).toBe(`key:${info.keyId}`)
    expect(info.roles).toEqual([])
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
