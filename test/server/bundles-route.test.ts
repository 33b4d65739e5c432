import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { sha256Hex } from '../../src/shared/index.js'
import { backendFactories } from '../support/backends.js'
import { bundlePath, useServerFixture } from './server-fixture.js'

// The bundle the server loaded is archived at start; auditors fetch its manifest and its exact bytes.
describe.each(backendFactories)('GET /v1/bundles on %s', (_name, createBackend) => {
  const server = useServerFixture(createBackend)
  const bytes = () => readFileSync(bundlePath)

  it('returns the manifest of the loaded bundle by SHA-256 and by revision', async () => {
    const sha = sha256Hex(bytes())
    const res = await server().call(`/v1/bundles/${sha}`, { key: server().keys.auditor })
    expect(res.status).toBe(200)
    const body = (await res.json()) as { sha256: string; revision: string; manifest: { revision: string } }
    expect(body).toMatchObject({
      sha256: sha,
      size: bytes().length,
      download: `/v1/bundles/${sha}/bundle.tar.gz`,
    })
    expect(body.manifest.revision).toBe(body.revision)
    const byRevision = await server().call(`/v1/bundles/${encodeURIComponent(body.revision)}`, {
      key: server().keys.auditor,
    })
    expect(((await byRevision.json()) as { sha256: string }).sha256).toBe(sha)
  })

  it('downloads the exact bytes that decided', async () => {
    const sha = sha256Hex(bytes())
    const res = await server().call(`/v1/bundles/${sha}/bundle.tar.gz`, { key: server().keys.auditor })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('application/gzip')
    expect(Buffer.from(await res.arrayBuffer()).equals(bytes())).toBe(true)
  })

  it('answers 404 BUNDLE_NOT_FOUND for a bundle never loaded', async () => {
    const res = await server().call(`/v1/bundles/${'0'.repeat(64)}/bundle.tar.gz`, {
      key: server().keys.auditor,
    })
    expect(res.status).toBe(404)
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('BUNDLE_NOT_FOUND')
  })

  it('refuses callers without a key (401) and agent keys (403)', async () => {
    const sha = sha256Hex(bytes())
    expect((await server().call(`/v1/bundles/${sha}`)).status).toBe(401)
    const agent = await server().call(`/v1/bundles/${sha}`, { key: server().keys.agent })
    expect(agent.status).toBe(403)
    expect(((await agent.json()) as { error: { code: string } }).error.code).toBe('FORBIDDEN')
  })

  it('lists both routes in the OpenAPI document', async () => {
    const doc = (await (await server().call('/v1/openapi.json', { key: server().keys.auditor })).json()) as {
      paths: Record<string, unknown>
    }
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/bundles/{ref}', '/v1/bundles/{ref}/bundle.tar.gz']),
    )
  })
})
