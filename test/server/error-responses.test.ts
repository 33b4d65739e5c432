import type { AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import express from 'express'
import { sql } from 'kysely'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../../src/ledger/index.js'
import { errorHandler } from '../../src/server/http-errors.js'
import { type ApiKeyStore, createApiKeyStore } from '../../src/server/index.js'
import {
  backendFactories,
  createPgliteBackend,
  createPostgresBackend,
  openMigratedDatabase,
  postgresEnabled,
  type TestBackend,
} from '../support/backends.js'
import { type ServerFixture, startServerFixture } from './server-fixture.js'

// Error codes of the HTTP layer and the key store that no other suite provokes, each through the real
// server (or the real key store over a real database).

const asJson = async (response: Response) =>
  (await response.json()) as { error: { code: string; message: string } }

describe.each(backendFactories)('api_keys rows read back on %s', (_name, createBackend) => {
  let backend: TestBackend
  let close: () => Promise<void>
  let keys: ApiKeyStore
  let db: Awaited<ReturnType<typeof openMigratedDatabase>>['db']

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

  describe('when a row was edited by hand into something the schema refuses', () => {
    it.each([
      // An object where the roles array belongs: no role may be read out of it.
      ['an object', '{"payments_officer": true}'],
      // A bare JSON string: the driver may hand it back as text that is not itself JSON.
      ['a bare string', '"payments_officer"'],
    ])('throws API_KEY_INVALID_ROW for roles holding %s, granting nothing', async (_what, roles) => {
      const { key, info } = await keys.create({ role: 'approver', principalId: 'alice', roles: ['teller'] })
      await sql`update api_keys set roles = ${roles} where id = ${info.keyId}`.execute(db)
      await expect(keys.authenticate(key)).rejects.toThrowWithCode('API_KEY_INVALID_ROW')
      await expect(keys.list()).rejects.toThrowWithCode('API_KEY_INVALID_ROW')
      // Cleaned up so the next case's list() reads only its own corrupted row.
      await sql`delete from api_keys where id = ${info.keyId}`.execute(db)
    })
  })
})

// PostgreSQL when available: the corrupted-key case edits the server's database from a second
// connection, which an embedded PGlite directory (one process, one connection) does not allow.
describe('HTTP error responses', () => {
  let backend: TestBackend | undefined
  let fixture: ServerFixture | undefined
  const server = () => fixture!
  beforeAll(async () => {
    backend = await (postgresEnabled ? createPostgresBackend() : createPgliteBackend())
    fixture = await startServerFixture(backend)
  })
  afterAll(async () => {
    await fixture?.close()
    await backend?.dispose()
  })

  it('answers 404 CHAIN_NOT_FOUND for verification of a chain nobody wrote', async () => {
    const response = await server().call('/v1/verify', {
      method: 'POST',
      key: server().keys.auditor,
      body: { chain: 'no-such-chain' },
    })
    expect(response.status).toBe(404)
    expect(await asJson(response)).toEqual({
      error: { code: 'CHAIN_NOT_FOUND', message: 'no chain named no-such-chain' },
    })
  })

  it('answers 400 BAD_REQUEST for a path that is not valid percent-encoded UTF-8', async () => {
    const response = await server().call('/v1/entries/%E0%A4%A/1', { key: server().keys.auditor })
    expect(response.status).toBe(400)
    expect((await asJson(response)).error.code).toBe('BAD_REQUEST')
  })

  it('answers 415 UNSUPPORTED_MEDIA_TYPE for a JSON body in a charset other than UTF-8', async () => {
    const response = await fetch(`${server().url}/v1/decisions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${server().keys.agent}`,
        'content-type': 'application/json; charset=latin1',
      },
      body: '{}',
    })
    expect(response.status).toBe(415)
    expect(await asJson(response)).toEqual({
      error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'request body encoding is not supported' },
    })
  })

  it.runIf(postgresEnabled)(
    'answers 500 API_KEY_INVALID_ROW (no access) for a key whose row was corrupted',
    async () => {
      const { key, info } = await server().composed.keys.create({ role: 'admin', principalId: 'mallory' })
      const second = await openDatabase({ databaseUrl: backend!.databaseUrl! })
      try {
        await sql`update api_keys set roles = ${'"admin"'} where id = ${info.keyId}`.execute(second.db)
      } finally {
        await second.close()
      }
      const response = await server().call('/v1/chains', { key })
      expect(response.status).toBe(500)
      // The code tells an operator where to look; the message gives nothing of the row away.
      expect(await asJson(response)).toEqual({
        error: { code: 'API_KEY_INVALID_ROW', message: 'internal error' },
      })
    },
  )
})

describe('errorHandler', () => {
  it('answers 500 INTERNAL with a generic message for an unexpected error, and logs the detail', async () => {
    let logged = ''
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logged += String(chunk)
        done()
      },
    })
    const app = express()
    // A route with a bug: it throws something that is not an ArbiterError.
    app.get('/boom', () => {
      throw new RangeError('index 7 out of range in secret-table')
    })
    app.use(errorHandler(pino({ level: 'error' }, sink)))
    const listening = app.listen(0, '127.0.0.1')
    await new Promise<void>((resolve) => listening.once('listening', () => resolve()))
    try {
      const { port } = listening.address() as AddressInfo
      const response = await fetch(`http://127.0.0.1:${port}/boom`)
      expect(response.status).toBe(500)
      const text = await response.text()
      expect(JSON.parse(text)).toEqual({ error: { code: 'INTERNAL', message: 'internal error' } })
      expect(text).not.toContain('secret-table')
      expect(logged).toContain('index 7 out of range in secret-table')
    } finally {
      await new Promise<void>((resolve) => listening.close(() => resolve()))
    }
  })
})
