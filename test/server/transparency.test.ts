import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  decodeEntryBundle,
  entryLeafBytes,
  type LedgerEntry,
  leafHash,
  MemoryMerkleTree,
  openNote,
  parseCheckpoint,
  parseVerifierKey,
  verifyConsistency,
  verifyInclusion,
} from '../../src/ledger/index.js'
import { backendFactories, type TestBackend } from '../support/backends.js'
import { runInterop } from '../support/interop.js'
import { type ServerFixture, startServerFixture } from './server-fixture.js'

const CHAIN = 'tlog-test'
const COUNT = 300

describe.each(backendFactories)('transparency routes on %s', (name, createBackend) => {
  let backend: TestBackend
  let f: ServerFixture
  let entries: LedgerEntry[]
  let vkey: string
  let tree: MemoryMerkleTree

  beforeAll(async () => {
    backend = await createBackend()
    f = await startServerFixture(backend)
    entries = await Promise.all(
      Array.from({ length: COUNT }, (_, i) => f.ledger.append({ chain: CHAIN, type: 'note', body: { i } })),
    )
    entries.sort((a, b) => a.seq - b.seq)
    tree = MemoryMerkleTree.fromLeaves(entries.map((e) => entryLeafBytes(e)))
    const checkpointer = f.ledger.checkpointer!
    await checkpointer.checkpoint(CHAIN)
    vkey = checkpointer.verifierKey(CHAIN)
  }, 240_000)
  afterAll(async () => {
    await f?.close()
    await backend?.dispose()
  })

  const getJson = async (path: string, key = f.keys.auditor) => {
    const res = await f.call(path, { key })
    return { status: res.status, body: (await res.json()) as Record<string, unknown> }
  }
  const hashes = (list: unknown) => (list as string[]).map((h) => Buffer.from(h, 'hex'))

  it('serves an inclusion proof to an auditor that verifies against the independently computed root', async () => {
    const { status, body } = await getJson(`/v1/chains/${CHAIN}/proofs/inclusion?seq=77`)
    expect(status).toBe(200)
    expect(body.tree_size).toBe(COUNT)
    expect(body.entry_hash).toBe(entries[76]!.hash)
    verifyInclusion(76, COUNT, leafHash(entryLeafBytes(entries[76]!)), hashes(body.proof), tree.root())
    const older = await getJson(`/v1/chains/${CHAIN}/proofs/inclusion?seq=5&size=10`)
    expect(older.body.tree_size).toBe(10)
  })

  it('serves a consistency proof between two sizes', async () => {
    const { status, body } = await getJson(`/v1/chains/${CHAIN}/proofs/consistency?from=100&to=${COUNT}`)
    expect(status).toBe(200)
    const old = MemoryMerkleTree.fromLeaves(entries.slice(0, 100).map((e) => entryLeafBytes(e))).root()
    verifyConsistency(100, COUNT, hashes(body.proof), old, tree.root())
  })

  it('answers consistency to a size no chain reaches with 400 TLOG_RANGE_INVALID', async () => {
    const { status, body } = await getJson(
      `/v1/chains/${CHAIN}/proofs/consistency?from=1&to=9007199254740991`,
    )
    expect(status).toBe(400)
    expect((body.error as { code: string }).code).toBe('TLOG_RANGE_INVALID')
  })

  it.each([
    ['seq=0', 400],
    ['seq=abc', 400],
    ['seq=1&evil=1', 400],
    [`seq=${COUNT + 1}`, 400],
    ['seq=5&size=4', 400],
    // Sizes no chain reaches, up to the largest safe integer: refused, never a plan over huge indexes.
    ['seq=1&size=4503599627370496', 400],
    ['seq=9007199254740991&size=9007199254740991', 400],
  ])('answers inclusion?%s with %i and a message', async (query, expected) => {
    const { status, body } = await getJson(`/v1/chains/${CHAIN}/proofs/inclusion?${query}`)
    expect(status).toBe(expected)
    expect((body.error as { message: string }).message.length).toBeGreaterThan(0)
  })

  it('answers an unknown chain with 404, an agent key with 403, no key with 401', async () => {
    expect((await getJson('/v1/chains/nope/proofs/inclusion?seq=1')).status).toBe(404)
    expect((await getJson(`/v1/chains/${CHAIN}/proofs/consistency?from=1`, f.keys.agent)).status).toBe(403)
    expect((await f.call(`/v1/chains/${CHAIN}/proofs/inclusion?seq=1`)).status).toBe(401)
    expect((await f.call(`/tlog/${CHAIN}/checkpoint`)).status).toBe(401)
    expect((await f.call(`/tlog/${CHAIN}/tile/0/000`, { key: f.keys.agent })).status).toBe(403)
  })

  it('serves the signed-note checkpoint and hash tiles as C2SP tlog-tiles', async () => {
    const res = await f.call(`/tlog/${CHAIN}/checkpoint`, { key: f.keys.auditor })
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/)
    const cp = parseCheckpoint(openNote(await res.text(), [parseVerifierKey(vkey)]).text)
    expect(cp).toMatchObject({ origin: `arbiter/${CHAIN}`, size: COUNT })
    expect(cp.root.equals(tree.root())).toBe(true)
    const full = Buffer.from(
      await (await f.call(`/tlog/${CHAIN}/tile/0/000`, { key: f.keys.auditor })).arrayBuffer(),
    )
    expect(full.length).toBe(256 * 32)
    expect(full.subarray(32, 64).equals(leafHash(entryLeafBytes(entries[1]!)))).toBe(true)
    const partial = await f.call(`/tlog/${CHAIN}/tile/0/001.p/44`, { key: f.keys.auditor })
    expect(Buffer.from(await partial.arrayBuffer()).length).toBe(44 * 32)
    const level1 = Buffer.from(
      await (await f.call(`/tlog/${CHAIN}/tile/1/000.p/1`, { key: f.keys.auditor })).arrayBuffer(),
    )
    const first256 = MemoryMerkleTree.fromLeaves(entries.slice(0, 256).map((e) => entryLeafBytes(e))).root()
    expect(level1.equals(first256)).toBe(true)
    expect((await f.call(`/tlog/${CHAIN}/tile/0/001.p/45`, { key: f.keys.auditor })).status).toBe(404)
    expect((await f.call(`/tlog/${CHAIN}/tile/0/001`, { key: f.keys.auditor })).status).toBe(404)
    expect((await f.call(`/tlog/${CHAIN}/tile/0/x000/001`, { key: f.keys.auditor })).status).toBe(404)
  })

  it('serves entry bundles whose entries are the leaf bytes', async () => {
    const res = await f.call(`/tlog/${CHAIN}/tile/entries/001.p/44`, { key: f.keys.auditor })
    const leaves = decodeEntryBundle(Buffer.from(await res.arrayBuffer()))
    expect(leaves).toHaveLength(44)
    expect(leaves[0]!.equals(entryLeafBytes(entries[256]!))).toBe(true)
  })

  it("answers 422 TLOG_ENTRY_TOO_LARGE for a bundle holding an entry past the format's 65535 bytes", async () => {
    const big = 'big-entries'
    await f.ledger.append({ chain: big, type: 'note', body: { i: 0 } })
    await f.ledger.append({ chain: big, type: 'note', body: { text: 'x'.repeat(70_000) } })
    const res = await f.call(`/tlog/${big}/tile/entries/000.p/2`, { key: f.keys.auditor })
    expect(res.status).toBe(422)
    const body = (await res.json()) as { error: { code: string; message: string } }
    expect(body.error.code).toBe('TLOG_ENTRY_TOO_LARGE')
    expect(body.error.message).toMatch(/65535/)
    // The entry before it still comes as a bundle, and proofs of the large one still work.
    const first = await f.call(`/tlog/${big}/tile/entries/000.p/1`, { key: f.keys.auditor })
    expect(decodeEntryBundle(Buffer.from(await first.arrayBuffer()))).toHaveLength(1)
    const proof = await getJson(`/v1/chains/${big}/proofs/inclusion?seq=2`)
    expect(proof.status).toBe(200)
  })

  it.runIf(name === 'postgres')(
    'passes Go sumdb/note, sumdb/tlog and transparency-dev/merkle checks, and fails with another key',
    async () => {
      const args = { url: f.url, key: f.keys.auditor, chain: CHAIN, vkey, seq: 290, from: 37 }
      const good = await runInterop(args)
      if (good.status !== 0) console.error('interop report', good.report)
      expect(good.report).toMatchObject({ ok: true, size: COUNT, origin: `arbiter/${CHAIN}` })
      expect(good.status).toBe(0)
      const other = await runInterop({ ...args, vkey: vkey.replace(/\+[0-9a-f]{8}\+/, '+00000000+') })
      expect(other.status).toBe(1)
      expect(String(other.report.error)).toMatch(/verifier key|note/)
    },
    300_000,
  )
})
