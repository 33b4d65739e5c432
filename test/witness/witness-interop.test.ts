// Interoperability of witness cosignatures, proved with other people's code: a real `arbiter serve`
// submits its checkpoints to two real `arbiter witness` processes (`--witness-url`), and serves the
// cosigned checkpoint on GET /tlog/<chain>/checkpoint. The Go checker (tools/interop) opens that note
// with golang.org/x/mod/sumdb/note and C2SP cosignature/v1 verifiers from
// github.com/transparency-dev/formats/note, and must refuse a witness key that did not cosign.
import { generateKeyPairSync } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  cosignerKeyOf,
  ed25519VerifierKey,
  openNote,
  parseNote,
  parseVerifierKey,
} from '../../src/ledger/index.js'
import { makeTempDir, removeDir } from '../policy/helpers.js'
import { type KeyFiles, writeKeyPair } from '../security/ledger-support.js'
import { transferCall } from '../server/server-fixture.js'
import { createPgliteBackend, type TestBackend } from '../support/backends.js'
import { testBundles } from '../support/bundles.js'
import { runInterop } from '../support/interop.js'
import { createKey, databaseFlags, type ServeChild, startServe } from '../support/serve-child.js'
import { startWitness, type WitnessChild } from '../support/witness-child.js'

const ORIGIN = 'arbiter/default' // `<deployment>/<chain>`, deployment `arbiter` by default
const DECISIONS = 3

describe('witness cosignatures checked by Go (sumdb/note + transparency-dev/formats)', () => {
  let dir: string
  let backend: TestBackend
  let owner: KeyFiles
  let logVkey: string
  const witnesses: WitnessChild[] = []
  let server: ServeChild | undefined
  let auditorKey: string
  let served: string

  const checkpoint = async () => {
    const res = await fetch(`${server!.url}/tlog/default/checkpoint`, {
      headers: { authorization: `Bearer ${auditorKey}` },
    })
    expect(res.status).toBe(200)
    return res.text()
  }

  beforeAll(async () => {
    dir = makeTempDir('arbiter-witness-interop-')
    owner = writeKeyPair(dir, 'owner')
    logVkey = ed25519VerifierKey(ORIGIN, owner.privateKey)
    for (const name of ['witness.test/w1', 'witness.test/w2']) {
      const home = join(dir, name.replace('/', '-'))
      mkdirSync(home)
      witnesses.push(await startWitness(home, ['--name', name, '--log', logVkey]))
    }
    backend = await createPgliteBackend()
    const agentKey = await createKey(backend, dir, 'agent', 'fin-assistant', [
      '--front-end',
      '--assert-roles',
      'teller',
    ])
    auditorKey = await createKey(backend, dir, 'auditor', 'auditor-1')
    server = await startServe(
      [
        '--bundle',
        testBundles().shipped,
        ...databaseFlags(backend, dir),
        ...witnesses.flatMap((w) => ['--witness-url', `${w.url}=${w.vkey}`]),
      ],
      { ARBITER_SIGNING_KEY: owner.privatePath, ARBITER_CHECKPOINT_INTERVAL_MS: '200' },
    )
    for (let i = 0; i < DECISIONS; i++) {
      const res = await fetch(`${server.url}/v1/decisions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${agentKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(transferCall(100 + i, ['teller'])),
      })
      expect(res.status).toBe(200)
    }
    // Checkpoints are signed on the interval and cosigned in the background: wait for a checkpoint of
    // every entry (the policy load and the decisions) that carries both witnesses' cosignatures.
    const deadline = Date.now() + 60_000
    for (;;) {
      served = await checkpoint()
      const size = Number(served.split('\n')[1])
      const cosigned = witnesses.every((w) => served.includes(`\u2014 ${w.vkey.split('+')[0]} `))
      if (size >= DECISIONS + 1 && cosigned) break
      if (Date.now() > deadline)
        throw new Error(`no cosigned checkpoint within 60 s: ${served}\n${server.stderr()}`)
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  }, 300_000)

  afterAll(async () => {
    await server?.stop()
    for (const w of witnesses) await w.stop()
    await backend?.dispose()
    removeDir(dir)
  })

  it('serves the checkpoint with the log signature followed by one cosignature line per witness', () => {
    const { signatures } = parseNote(served)
    expect(signatures[0]!.name).toBe(ORIGIN) // the log's own signature first, then the witnesses' (arrival order)
    expect(
      signatures
        .map((s) => s.name)
        .slice(1)
        .sort(),
    ).toEqual(['witness.test/w1', 'witness.test/w2'])
    // Clients that know only the log key still open it (unknown signers are ignored).
    expect(openNote(served, [parseVerifierKey(logVkey)]).verified).toHaveLength(1)
  })

  it('Go opens the served checkpoint with both witnesses as cosignature/v1 verifiers', async () => {
    const { status, report } = await runInterop({
      url: server!.url,
      key: auditorKey,
      chain: 'default',
      vkey: logVkey,
      seq: 2,
      from: 1,
      'witness-vkey': witnesses.map((w) => w.vkey),
    })
    expect(report).toMatchObject({ ok: true, origin: ORIGIN, unverified_signatures: 0 })
    expect(status).toBe(0)
    const cosigs = report.cosignatures as { name: string; time: number }[]
    expect(cosigs.map((c) => c.name)).toEqual(['witness.test/w1', 'witness.test/w2'])
    // The witnesses' timestamps (seconds) are recent: cosigned during this test.
    for (const c of cosigs) expect(Math.abs(c.time - Date.now() / 1000)).toBeLessThan(600)
    // Without the witness keys the cosignatures are just signatures Go does not know.
    const plain = await runInterop({ url: server!.url, key: auditorKey, chain: 'default', vkey: logVkey })
    expect(plain.report).toMatchObject({ ok: true, unverified_signatures: 2 })
  }, 120_000)

  it('Go rejects a witness key that did not cosign (same name, another key; another name)', async () => {
    const { privateKey: other } = generateKeyPairSync('ed25519')
    for (const wrong of [
      cosignerKeyOf('witness.test/w1', other).vkey,
      cosignerKeyOf('witness.test/w3', other).vkey,
    ]) {
      const { status, report } = await runInterop({
        url: server!.url,
        key: auditorKey,
        chain: 'default',
        vkey: logVkey,
        'witness-vkey': [witnesses[0]!.vkey, wrong],
      })
      expect(status).toBe(1)
      expect(report).toMatchObject({ ok: false })
      expect(String(report.error)).toContain(
        `no valid cosignature from witness ${wrong.split('+')[0]}+${wrong.split('+')[1]}`,
      )
    }
  }, 120_000)
})
