import type { Clock } from '../../shared/index.js'
import { sha256Hex } from '../../shared/index.js'

/** Anything that resolves a presented secret to a principal, or null (the API key store fits). */
export interface KeyAuthenticator<P> {
  authenticate(secret: string): Promise<P | null>
}

export interface KeyCacheOptions {
  /**
   * How long a successful lookup is reused. This is the bound on revocation: a key revoked in the
   * database (by any process) stops working here at most this long after. Default 5000 ms; 0 = no cache.
   */
  readonly ttlMs?: number
  /** Most keys held at once; the oldest entry goes first. Default 10,000. */
  readonly maxEntries?: number
  /** Time source for expiry (tests move it instead of sleeping). */
  readonly clock: Clock
}

/** The authenticator plus what the cache holds, for metrics and tests. */
export interface CachedKeyAuthenticator<P> extends KeyAuthenticator<P> {
  /** Number of cached keys. */
  readonly size: number
}

interface CachedKey<P> {
  readonly principal: P
  readonly expiresAt: number
}

/**
 * Wraps a key store's `authenticate` with an in-process cache of successful lookups, so a busy key is
 * read from the database once per TTL instead of once per request. Only positive results are kept
 * (under the SHA-256 of the secret, never the secret): an attacker sending unknown keys cannot fill
 * memory, and an unknown or revoked key is never answered from the cache. Concurrent lookups of one
 * key share one database read; that read's failure is not cached.
 *
 * @example
 * const keys = createCachedKeyStore(createApiKeyStore(db), { ttlMs: 5000, clock: systemClock })
 * const principal = await keys.authenticate(secret) // one query, then served from memory for 5 s
 */
export function createCachedKeyStore<P>(
  store: KeyAuthenticator<P>,
  options: KeyCacheOptions,
): CachedKeyAuthenticator<P> {
  const ttlMs = options.ttlMs ?? 5000
  const maxEntries = options.maxEntries ?? 10_000
  const { clock } = options
  // A Map keeps insertion order: re-inserting on refresh makes the first key the oldest.
  const cache = new Map<string, CachedKey<P>>()
  // Bounded by the requests in flight, which the server bounds (sockets, body size, rate limits).
  const inFlight = new Map<string, Promise<P | null>>()

  const lookup = (digest: string, secret: string): Promise<P | null> => {
    const running = inFlight.get(digest)
    if (running) return running
    const started = clock.now().getTime()
    const promise = store
      .authenticate(secret)
      .then((principal) => {
        if (principal !== null && ttlMs > 0) {
          cache.delete(digest)
          // Expiry counts from before the read: a revocation committed during it is seen within the TTL.
          cache.set(digest, { principal, expiresAt: started + ttlMs })
          if (cache.size > maxEntries) cache.delete(cache.keys().next().value as string)
        }
        return principal
      })
      .finally(() => inFlight.delete(digest))
    inFlight.set(digest, promise)
    return promise
  }

  return {
    async authenticate(secret) {
      const digest = sha256Hex(secret)
      const hit = cache.get(digest)
      if (hit) {
        if (clock.now().getTime() < hit.expiresAt) return hit.principal
        cache.delete(digest)
      }
      return lookup(digest, secret)
    },
    get size() {
      return cache.size
    },
  }
}
