// GET /tlog/<chain>/checkpoint appends the stored witness cosignatures to the log's note. The table is
// not trusted: an insider who inserts a forged line, a line under another witness's key, or a line
// cosigning a forked tree of the same size must not get it served as a cosignature of this note.
import { generateKeyPairSync } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  cosignerKeyOf,
  type DatabaseHandle,
  ed25519NoteSigner,
  formatCheckpoint,
  parseNote,
  recordCosignature,
  signCosignature,
  signNote,
  withStoredCosignatures,
} from '../../src/ledger/index.js'
import { backendFactories, openMigratedDatabase, type TestBackend } from '../support/backends.js'

const CHAIN = 'cosigned'
const ORIGIN = `arbiter/${CHAIN}`

const note = (rootByte: number) => {
  const text = formatCheckpoint({ origin: ORIGIN, size: 7, root: Buffer.alloc(32, rootByte), extensions: [] })
  return { text, note: signNote(text, [ed25519NoteSigner(ORIGIN, log)]) }
}
const { privateKey: log } = generateKeyPairSync('ed25519')
const witness = (name: string) => {
  const { privateKey } = generateKeyPairSync('ed25519')
  return { name, privateKey, key: cosignerKeyOf(name, privateKey) }
}

describe.each(backendFactories)('withStoredCosignatures on %s', (_name, createBackend) => {
  let backend: TestBackend
  let handle: DatabaseHandle
  const good = note(1)
  const fork = note(2)
  const [w1, w2, w3, w4] = ['w.test/1', 'w.test/2', 'w.test/3', 'w.test/4'].map(witness)

  const store = (n: { note: string }, w: typeof w1, line: string, rootByte = 1) =>
    recordCosignature(
      handle.db,
      {
        chain: CHAIN,
        treeSize: 7,
        rootHash: Buffer.alloc(32, rootByte).toString('base64'),
        note: n.note,
        witnessName: w!.name,
        witnessKeyId: w!.key.keyId.toString('hex'),
        witnessVkey: w!.key.vkey,
        cosignature: line,
        cosignedAt: 1_700_000_000,
      },
      new Date(),
    )

  beforeAll(async () => {
    backend = await createBackend()
    handle = await openMigratedDatabase(backend)
  })
  afterAll(async () => {
    await handle?.close()
    await backend?.dispose()
  })

  it('serves the note unchanged while no witness has answered', async () => {
    expect(await withStoredCosignatures(handle.db, CHAIN, good.note)).toBe(good.note)
  })

  it('appends only the lines that verify as cosignatures of this very note', async () => {
    const valid = signCosignature(good.text, w1!, 1_700_000_000).line
    await store(good, w1!, valid)
    // w2's line signs other text (a forgery that looks right).
    await store(good, w2!, signCosignature(fork.text, w2!, 1_700_000_000).line)
    // w3's row carries w4's valid line: the line is not by the key stored with it.
    await store(good, w3!, signCosignature(good.text, w4!, 1_700_000_000).line)
    // w4 cosigned a forked tree of the same size: valid, but for another note.
    await store(fork, w4!, signCosignature(fork.text, w4!, 1_700_000_000).line, 2)

    const served = await withStoredCosignatures(handle.db, CHAIN, good.note)
    expect(served).toBe(`${good.note}${valid}\n`)
    expect(parseNote(served).signatures.map((s) => s.name)).toEqual([ORIGIN, 'w.test/1'])
    // The fork's note gets the fork's cosignature, not good's.
    const forked = await withStoredCosignatures(handle.db, CHAIN, fork.note)
    expect(parseNote(forked).signatures.map((s) => s.name)).toEqual([ORIGIN, 'w.test/4'])
  })
})
