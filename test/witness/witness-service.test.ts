import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ed25519NoteSigner,
  ed25519VerifierKey,
  formatAddCheckpointBody,
  formatCheckpoint,
  MemoryMerkleTree,
  parseCosignerVkey,
  parseNote,
  proveConsistency,
  signNote,
  verifyCosignatureLine,
} from '../../src/ledger/index.js'
import { startWitness, type WitnessChild } from '../support/witness-child.js'

const origin = 'arbiter.test/default'

/** A log of `n` leaves, signed as a C2SP checkpoint note by `key`. */
function logOf(n: number, key: KeyObject, salt = 'a') {
  const tree = MemoryMerkleTree.fromLeaves(Array.from({ length: n }, (_, i) => Buffer.from(`${salt}${i}`)))
  const text = formatCheckpoint({ origin, size: n, root: tree.root(), extensions: [] })
  return { tree, text, note: signNote(text, [ed25519NoteSigner(origin, key)]) }
}

async function post(url: string, oldSize: number, proof: Buffer[], note: string) {
  const res = await fetch(`${url}/add-checkpoint`, {
    method: 'POST',
    body: formatAddCheckpointBody({ oldSize, proof, note }),
  })
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() }
}

describe('arbiter witness (a real witness process, C2SP tlog-witness)', () => {
  const { privateKey: logKey } = generateKeyPairSync('ed25519')
  const { privateKey: otherKey } = generateKeyPairSync('ed25519')
  const dataDir = mkdtempSync(join(tmpdir(), 'arbiter-witness-'))
  let witness: WitnessChild

  beforeAll(async () => {
    witness = await startWitness(dataDir, [
      '--name',
      'witness.test/w1',
      '--log',
      ed25519VerifierKey(origin, logKey),
    ])
  }, 90_000)
  afterAll(async () => {
    await witness?.stop()
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('cosigns a first checkpoint (old 0) and a consistent successor, each cosignature valid for its key', async () => {
    const first = logOf(5, logKey)
    const r1 = await post(witness.url, 0, [], first.note)
    expect(r1.status).toBe(200)
    const me = parseCosignerVkey(witness.vkey)
    expect(verifyCosignatureLine(first.text, r1.body.trimEnd(), me)).not.toBeNull()

    const next = logOf(12, logKey)
    const r2 = await post(witness.url, 5, await proveConsistency(next.tree, 5, 12), next.note)
    expect(r2.status).toBe(200)
    const cosig = verifyCosignatureLine(next.text, r2.body.trimEnd(), me)
    expect(cosig?.name).toBe('witness.test/w1')
    // Not valid for another checkpoint body.
    expect(verifyCosignatureLine(first.text, r2.body.trimEnd(), me)).toBeNull()
    // Persisted before answering: the state file holds size 12.
    const state = JSON.parse(readFileSync(join(dataDir, 'witness-state.json'), 'utf8'))
    expect(state.logs[origin].size).toBe(12)
  })

  it('refuses a stale old size with 409 and its current size as text/x.tlog.size', async () => {
    const next = logOf(20, logKey)
    const r = await post(witness.url, 5, await proveConsistency(next.tree, 5, 20), next.note)
    expect(r).toEqual({ status: 409, type: 'text/x.tlog.size', body: '12\n' })
  })

  it('refuses a rollback: a smaller checkpoint (400 with old > size, 409 with a stale old size)', async () => {
    const smaller = logOf(8, logKey)
    expect((await post(witness.url, 12, [], smaller.note)).status).toBe(400)
    expect(
      (await post(witness.url, 5, await proveConsistency(smaller.tree, 5, 8), smaller.note)).status,
    ).toBe(409)
  })

  it('refuses a fork: same size with another root (409), a larger inconsistent tree (422)', async () => {
    const sameSize = logOf(12, logKey, 'forked')
    expect((await post(witness.url, 12, [], sameSize.note)).status).toBe(409)
    const forked = logOf(16, logKey, 'forked')
    const r = await post(witness.url, 12, await proveConsistency(forked.tree, 12, 16), forked.note)
    expect(r.status).toBe(422)
  })

  it("accepts only its log's key: another key on the same origin is 403, an unknown origin 404", async () => {
    const next = logOf(16, otherKey)
    expect((await post(witness.url, 12, await proveConsistency(next.tree, 12, 16), next.note)).status).toBe(
      403,
    )
    const foreignText = formatCheckpoint({
      origin: 'other.test/log',
      size: 1,
      root: next.tree.root(),
      extensions: [],
    })
    const foreign = signNote(foreignText, [ed25519NoteSigner('other.test/log', logKey)])
    expect((await post(witness.url, 0, [], foreign)).status).toBe(404)
  })

  it('answers malformed bodies with 400', async () => {
    for (const body of ['', 'old 01\n\nx\n', 'old 1\nnot-a-hash\n\nx\n', 'old 0\n\nno signatures\n'])
      expect((await fetch(`${witness.url}/add-checkpoint`, { method: 'POST', body })).status).toBe(400)
    const big = `old 0\n\n${'x'.repeat(70_000)}`
    expect((await fetch(`${witness.url}/add-checkpoint`, { method: 'POST', body: big })).status).toBe(400)
  })

  it('keeps its state across a restart, and lists what it cosigned', async () => {
    await witness.stop()
    witness = await startWitness(dataDir, [
      '--name',
      'witness.test/w1',
      '--log',
      ed25519VerifierKey(origin, logKey),
    ])
    const next = logOf(16, logKey)
    expect(await post(witness.url, 0, [], next.note)).toMatchObject({ status: 409, body: '12\n' })
    const listed = (await (await fetch(`${witness.url}/arbiter/v1/checkpoints`)).json()) as {
      witness: string
      logs: { origin: string; size: number; checkpoint: string }[]
    }
    expect(listed.witness).toBe(witness.vkey)
    expect(listed.logs).toHaveLength(1)
    const note = parseNote(listed.logs[0]!.checkpoint)
    expect(listed.logs[0]).toMatchObject({ origin, size: 12 })
    expect(note.signatures.map((s) => s.name)).toEqual([origin, 'witness.test/w1'])
  }, 90_000)
})
