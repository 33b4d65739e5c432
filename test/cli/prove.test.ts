import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  entryLeafBytes,
  type LedgerEntry,
  MemoryMerkleTree,
  MerkleTreeReader,
  openNote,
  parseCheckpoint,
  parseVerifierKey,
} from '../../src/ledger/index.js'
import { databaseFlags, type OpenLedger, openLedger, runCliProcess } from '../ledger/support.js'
import { backendFactories, type TestBackend } from '../support/backends.js'

describe.each(backendFactories)('arbiter prove and checkpoint --vkey on %s', (_name, createBackend) => {
  let backend: TestBackend
  let store: OpenLedger
  let entries: LedgerEntry[]
  const keyDir = mkdtempSync(join(tmpdir(), 'arbiter-prove-key-'))

  beforeAll(async () => {
    // The CLI child processes inherit this worker's environment: the checkpoint key is a PEM file of the test's own.
    const keyPath = join(keyDir, 'signing-key.pem')
    writeFileSync(keyPath, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }))
    process.env.ARBITER_SIGNING_KEY = keyPath
    backend = await createBackend()
    store = await openLedger(backend)
    entries = []
    for (let i = 0; i < 21; i += 1)
      entries.push(await store.ledger.append({ chain: 'p', type: 'note', body: { i } }))
    await store.close()
  }, 240_000)
  afterAll(async () => {
    await backend?.dispose()
    rmSync(keyDir, { recursive: true, force: true })
  })

  it('prints a verified inclusion proof as JSON whose root is the root of the entries', () => {
    const run = runCliProcess('prove', ...databaseFlags(backend), '--chain', 'p', '--seq', '5', '--size', '9')
    expect(run.status).toBe(0)
    const out = JSON.parse(run.stdout) as Record<string, unknown>
    expect(out).toMatchObject({ kind: 'inclusion', chain: 'p', seq: 5, tree_size: 9, verified: true })
    const root = MemoryMerkleTree.fromLeaves(entries.slice(0, 9).map((e) => entryLeafBytes(e))).root()
    expect(out.root_hash).toBe(root.toString('hex'))
  })

  it('prints a verified consistency proof', () => {
    const run = runCliProcess('prove', ...databaseFlags(backend), '--chain', 'p', '--from', '3', '--to', '21')
    expect(run.status).toBe(0)
    expect(JSON.parse(run.stdout)).toMatchObject({
      kind: 'consistency',
      from_size: 3,
      to_size: 21,
      verified: true,
    })
  })

  it.each([
    [['--seq', '1', '--from', '1'], /either --seq/],
    [['--seq', '0'], /positive integer/],
    [['--seq', '22'], /TLOG_RANGE_INVALID/],
    [['--from', '5', '--to', '4'], /TLOG_RANGE_INVALID/],
  ])('refuses %j with exit 1 and one line', (args, message) => {
    const run = runCliProcess('prove', ...databaseFlags(backend), '--chain', 'p', ...args)
    expect(run.status).toBe(1)
    expect(run.stderr.trim().split('\n')).toHaveLength(1)
    expect(run.stderr).toMatch(message)
  })

  it('prints the verifier key that opens the checkpoint note `arbiter checkpoint` signs', async () => {
    const vkey = runCliProcess('checkpoint', ...databaseFlags(backend), '--chain', 'p', '--vkey')
    expect(vkey.status).toBe(0)
    expect(vkey.stdout).toMatch(/^arbiter\/p\+[0-9a-f]{8}\+A[A-Za-z0-9+/]{43}\n$/)
    expect(runCliProcess('checkpoint', ...databaseFlags(backend), '--chain', 'p').status).toBe(0)
    const reopened = await openLedger(backend)
    try {
      const note = await new MerkleTreeReader(reopened.handle.db).latestNote('p')
      const body = parseCheckpoint(openNote(note!, [parseVerifierKey(vkey.stdout.trim())]).text)
      expect(body.size).toBe(21)
    } finally {
      await reopened.close()
    }
  })
})
