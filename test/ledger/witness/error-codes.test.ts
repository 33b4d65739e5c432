import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  cosignerKeyOf,
  type DatabaseHandle,
  ed25519NoteSigner,
  ed25519VerifierKey,
  fetchWitnessedNotes,
  formatCheckpoint,
  listCosignatures,
  MemoryMerkleTree,
  parseCosignerVkey,
  proveConsistency,
  signNote,
  WitnessSubmitter,
} from '../../../src/ledger/index.js'
import { createPgliteBackend, openMigratedDatabase, type TestBackend } from '../../support/backends.js'
import { startWitness, type WitnessChild } from '../../support/witness-child.js'

// The witness layer's failures as a log meets them: a witness that cannot be reached, one that
// refuses the checkpoint, and one whose answer does not verify against the key the log pinned for it.
// Real witness process, real submitter and database; the submitter never throws (a witness that is
// down must not stop the log), so its failures are read from the warnings it logs.

const origin = 'arbiter.test/codes'
const chain = 'codes'

const treeOf = (n: number) =>
  MemoryMerkleTree.fromLeaves(Array.from({ length: n }, (_, i) => Buffer.from(`leaf${i}`)))

/** A checkpoint of `n` leaves for `origin`, signed as a C2SP note by `key`. */
function checkpointOf(n: number, key: KeyObject) {
  const tree = treeOf(n)
  return signNote(formatCheckpoint({ origin, size: n, root: tree.root(), extensions: [] }), [
    ed25519NoteSigner(origin, key),
  ])
}

/** A real pino logger whose warnings land in `lines`. */
function capturingLogger() {
  const lines: { msg: string; witness?: string; err?: { code?: string; message?: string } }[] = []
  const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line)) })
  return { lines, logger }
}

/** A TCP port nothing listens on (bound once by us, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

describe('witness error codes', () => {
  const { privateKey: logKey } = generateKeyPairSync('ed25519')
  const { privateKey: strangerKey } = generateKeyPairSync('ed25519')
  const dataDir = mkdtempSync(join(tmpdir(), 'arbiter-witness-codes-'))
  let witness: WitnessChild
  let backend: TestBackend
  let handle: DatabaseHandle

  beforeAll(async () => {
    witness = await startWitness(dataDir, [
      '--name',
      'witness.test/w1',
      '--log',
      ed25519VerifierKey(origin, logKey),
    ])
    backend = await createPgliteBackend()
    handle = await openMigratedDatabase(backend)
  }, 90_000)
  afterAll(async () => {
    await handle?.close()
    await backend?.dispose()
    await witness?.stop()
    rmSync(dataDir, { recursive: true, force: true })
  })

  /** Submits `note` once to `url` as witness `key`; returns the warnings the submitter logged. */
  async function submit(url: string, key: ReturnType<typeof parseCosignerVkey>, note: string) {
    const { lines, logger } = capturingLogger()
    const submitter = new WitnessSubmitter(handle.db, {
      witnesses: [{ url, key }],
      prove: (_chain, from, to) => proveConsistency(treeOf(to), from, to),
      attempts: 1,
      timeoutMs: 5000,
      logger,
    })
    await submitter.submit(chain, note)
    await submitter.flush()
    return lines
  }

  it('WITNESS_UNREACHABLE: the submitter gives up on a witness whose port is closed', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`
    const lines = await submit(url, parseCosignerVkey(witness.vkey), checkpointOf(3, logKey))
    expect(lines.map((l) => l.err?.code)).toEqual(['WITNESS_UNREACHABLE'])
    expect(lines[0]).toMatchObject({
      msg: 'witness did not cosign the checkpoint',
      witness: 'witness.test/w1',
    })
    expect(await listCosignatures(handle.db, chain)).toEqual([])
  })

  it('WITNESS_UNREACHABLE: the verifier cannot read what a witness on a closed port cosigned', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`
    await expect(fetchWitnessedNotes([{ url, key: parseCosignerVkey(witness.vkey) }])).rejects.toMatchObject({
      name: 'WitnessError',
      code: 'WITNESS_UNREACHABLE',
    })
  })

  it('WITNESS_REFUSED: the witness refuses a checkpoint not signed by the log key it was given', async () => {
    const lines = await submit(witness.url, parseCosignerVkey(witness.vkey), checkpointOf(4, strangerKey))
    expect(lines.map((l) => l.err?.code)).toEqual(['WITNESS_REFUSED'])
    expect(lines[0]?.err?.message).toMatch(/refused codes at 4: 403/)
    expect(await listCosignatures(handle.db, chain)).toEqual([])
  })

  it('WITNESS_COSIGNATURE_INVALID: the cosignature does not verify against a wrong key for that witness', async () => {
    // Same witness name, another key: the log pinned the wrong verifier key for this witness.
    const wrong = cosignerKeyOf('witness.test/w1', generateKeyPairSync('ed25519').privateKey)
    const lines = await submit(witness.url, wrong, checkpointOf(5, logKey))
    expect(lines.map((l) => l.err?.code)).toEqual(['WITNESS_COSIGNATURE_INVALID'])
    // Nothing stored: an unverified cosignature never reaches ledger_cosignatures.
    expect(await listCosignatures(handle.db, chain)).toEqual([])
  })

  it('the same witness and checkpoint with the right key cosign (the failures above are the key and the log)', async () => {
    const lines = await submit(witness.url, parseCosignerVkey(witness.vkey), checkpointOf(6, logKey))
    expect(lines).toEqual([])
    expect(await listCosignatures(handle.db, chain)).toHaveLength(1)
  })
})
