// The stand-in lives under src/ because `arbiter demo` ships it; tests use the same server.
export * from '../../src/demo/stand-in/index.js'

import Anthropic from '@anthropic-ai/sdk'
import { afterEach, beforeEach } from 'vitest'
import { type StandInServer, startStandInServer } from '../../src/demo/stand-in/index.js'

/**
 * A fresh stand-in API server per test and the real SDK client pointed at it (`baseURL`), so each
 * scenario starts from an empty script.
 *
 * @example
 * const api = useStandIn()
 * it('…', async () => { await api.client.messages.create(…); expect(api.standIn.sent()).toEqual(…) })
 */
export function useStandIn(): { readonly standIn: StandInServer; readonly client: Anthropic } {
  let standIn: StandInServer | undefined
  let client: Anthropic | undefined
  beforeEach(async () => {
    standIn = await startStandInServer()
    client = new Anthropic({ apiKey: 'test', baseURL: standIn.url, maxRetries: 0 })
  })
  afterEach(async () => {
    // A test may have stopped the server itself (to simulate an outage).
    await standIn?.close().catch(() => undefined)
  })
  return {
    get standIn() {
      return standIn!
    },
    get client() {
      return client!
    },
  }
}
