import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeTempDir, removeDir } from '../policy/helpers.js'
import { transferCall } from '../server/server-fixture.js'
import { createPgliteBackend, type TestBackend } from '../support/backends.js'
import { buildLiveAndCandidate } from '../support/candidate-bundles.js'
import { createKey, databaseFlags, type ServeChild, startServe } from '../support/serve-child.js'

// `arbiter serve --shadow-bundle <path>` end to end: a real CLI process, the live bundle enforced, the
// candidate recorded and reported by GET /v1/rollout.
describe('arbiter serve --shadow-bundle', () => {
  let dir: string
  let backend: TestBackend
  let server: ServeChild | undefined
  let agentKey: string
  let auditorKey: string
  let candidateSha: string

  beforeAll(async () => {
    dir = makeTempDir('arbiter-serve-shadow-')
    const { live, candidate } = await buildLiveAndCandidate(dir)
    candidateSha = candidate.sha256
    backend = await createPgliteBackend()
    agentKey = await createKey(backend, dir, 'agent', 'fin-assistant', [
      '--front-end',
      '--assert-roles',
      'teller',
    ])
    auditorKey = await createKey(backend, dir, 'auditor', 'auditor-1')
    server = await startServe([
      '--bundle',
      live.path,
      '--shadow-bundle',
      candidate.path,
      ...databaseFlags(backend, dir),
    ])
  }, 300_000)
  afterAll(async () => {
    await server?.stop()
    await backend?.dispose()
    removeDir(dir)
  })

  it('enforces the live bundle and records the candidate in the same decision entry', async () => {
    const response = await fetch(`${server!.url}/v1/decisions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${agentKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(transferCall(5000, ['teller'])),
    })
    expect(response.status).toBe(200)
    expect(((await response.json()) as { status: string }).status).toBe('allowed')
    const rollout = (await (
      await fetch(`${server!.url}/v1/rollout`, { headers: { authorization: `Bearer ${auditorKey}` } })
    ).json()) as {
      shadow: { configured: boolean; bundle: { sha256: string } | null }
      totals: { shadowed: number; disagree: number }
      disagreements: Array<{ body: { action: string; shadow: { action: string; rules: string[] } } }>
    }
    expect(rollout.shadow).toMatchObject({ configured: true, bundle: { sha256: candidateSha } })
    expect(rollout.totals).toMatchObject({ shadowed: 1, disagree: 1 })
    expect(rollout.disagreements[0]?.body).toMatchObject({
      action: 'allow',
      shadow: { action: 'deny', rules: ['fintech.transfer_limit'] },
    })
  })
})
