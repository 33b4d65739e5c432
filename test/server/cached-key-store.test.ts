import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ApiKeyStore, createApiKeyStore, createCachedKeyStore } from '../../src/server/index.js'
import { FixedClock } from '../../src/shared/index.js'
import { backendFactories, openMigratedDatabase, type TestBackend } from '../support/backends.js'

describe.each(backendFactories)(
  'createCachedKeyStore over the API key store on %s',
  (_name, createBackend) => {
    let backend: TestBackend
    let close: () => Promise<void>
    let keys: ApiKeyStore
    /** Lookups that reached the real store (the database). */
    let lookups = 0
    const counted = {
      authenticate: (secret: string) => {
        lookups += 1
        return keys.authenticate(secret)
      },
    }

    beforeAll(async () => {
      backend = await createBackend()
      const opened = await openMigratedDatabase(backend)
      close = opened.close
      keys = createApiKeyStore(opened.db)
    })

    afterAll(async () => {
      await close?.()
      await backend?.dispose()
    })

    it('reads a key once per TTL, and a revocation takes effect once the TTL has passed', async () => {
      const clock = new FixedClock(new Date('2026-11-28T12:00:00Z'))
      const cache = createCachedKeyStore(counted, { ttlMs: 5000, clock })
      const { key, info } = await keys.create({ role: 'agent', name: 'cached' })
      lookups = 0
      expect(await cache.authenticate(key)).toMatchObject({ keyId: info.keyId })
      for (let i = 0; i < 50; i += 1)
        expect(await cache.authenticate(key)).toMatchObject({ keyId: info.keyId })
      expect(lookups).toBe(1)

      await keys.revoke(info.keyId)
      clock.advance(4999)
      // Within the documented bound the key may still be served from memory...
      expect(await cache.authenticate(key)).toMatchObject({ keyId: info.keyId })
      clock.advance(1)
      // ...and not one moment longer.
      expect(await cache.authenticate(key)).toBeNull()
      expect(lookups).toBe(2)
      // A revoked key is never cached as such: every later attempt asks the database again.
      expect(await cache.authenticate(key)).toBeNull()
      expect(lookups).toBe(3)
      expect(cache.size).toBe(0)
    })

    it('never keeps unknown keys, so an attacker cannot fill memory with them', async () => {
      const cache = createCachedKeyStore(counted, { ttlMs: 5000, clock: new FixedClock(new Date()) })
      lookups = 0
      for (let i = 0; i < 500; i += 1)
        expect(await cache.authenticate(`arb_${String(i).padStart(43, 'x')}`)).toBeNull()
      expect(cache.size).toBe(0)
      expect(lookups).toBe(500)
    })

    it('shares one database read among concurrent lookups of one key', async () => {
      const cache = createCachedKeyStore(counted, { ttlMs: 5000, clock: new FixedClock(new Date()) })
      const { key, info } = await keys.create({ role: 'auditor', name: 'burst' })
      lookups = 0
      const principals = await Promise.all(Array.from({ length: 64 }, () => cache.authenticate(key)))
      expect(principals.every((p) => p?.keyId === info.keyId)).toBe(true)
      expect(lookups).toBe(1)
    })

    it('holds at most maxEntries keys, dropping the oldest', async () => {
      const cache = createCachedKeyStore(counted, {
        ttlMs: 60_000,
        maxEntries: 3,
        clock: new FixedClock(new Date()),
      })
      const created = []
      for (let i = 0; i < 5; i += 1) created.push(await keys.create({ role: 'agent', name: `bounded ${i}` }))
      for (const { key } of created) await cache.authenticate(key)
      expect(cache.size).toBe(3)
      lookups = 0
      await cache.authenticate(created[4]!.key) // newest: still cached
      expect(lookups).toBe(0)
      await cache.authenticate(created[0]!.key) // oldest: was dropped, read again
      expect(lookups).toBe(1)
    })

    it('with a TTL of 0 caches nothing', async () => {
      const cache = createCachedKeyStore(counted, { ttlMs: 0, clock: new FixedClock(new Date()) })
      const { key } = await keys.create({ role: 'agent', name: 'uncached' })
      lookups = 0
      await cache.authenticate(key)
      await cache.authenticate(key)
      expect(lookups).toBe(2)
      expect(cache.size).toBe(0)
    })

    it('does not cache a failed read: the next request asks again', async () => {
      // A key store whose database has gone away (its own throwaway database, closed).
      const gone = await createBackend()
      const opened = await openMigratedDatabase(gone)
      const unreachable = createApiKeyStore(opened.db)
      const { key } = await unreachable.create({ role: 'agent', name: 'lost' })
      await opened.close()
      let reads = 0
      const cache = createCachedKeyStore(
        {
          authenticate: (secret: string) => {
            reads += 1
            return unreachable.authenticate(secret)
          },
        },
        { ttlMs: 5000, clock: new FixedClock(new Date()) },
      )
      try {
        await expect(cache.authenticate(key)).rejects.toThrow()
        await expect(cache.authenticate(key)).rejects.toThrow()
        expect(reads).toBe(2)
        expect(cache.size).toBe(0)
      } finally {
        await gone.dispose()
      }
    })
  },
)
