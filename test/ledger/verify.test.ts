import { generateKeyPairSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  GENESIS_PREV,
  type LedgerEntry,
  linkEntry,
  signCheckpoint,
  trustedKeyFromPem,
  verifyEntries,
} from '../../src/ledger/index.js'
import { canonicalJson, sha256Hex } from '../../src/shared/index.js'

const ts = '2026-11-23T19:40:01.123Z'
const { privateKey, publicKey } = generateKeyPairSync('ed25519')

function chainOf(n: number, chain = 'c'): LedgerEntry[] {
  const out: LedgerEntry[] = []
  let prev = GENESIS_PREV
  for (let seq = 1; seq <= n; seq++) {
    const entry = linkEntry({ chain, seq, ts, type: 'decision', body: { seq }, prev })
    out.push(entry)
    prev = entry.hash
  }
  return out
}

/** Entries as the store returns raw rows: seq as a decimal string, body as canonical text. */
function rows(entries: LedgerEntry[]) {
  return entries.map((e) => ({ ...e, seq: String(e.seq), body: canonicalJson(e.body) }))
}

const checkpointAt = (e: LedgerEntry) =>
  signCheckpoint({ chain: e.chain, seq: e.seq, hash: e.hash, ts }, privateKey)

describe('verifyEntries', () => {
  it('accepts an intact chain given as rows or as parsed entries', async () => {
    const entries = chainOf(5)
    const fromRows = await verifyEntries(rows(entries), {
      chain: 'c',
      checkpoints: [checkpointAt(entries[4]!)],
    })
    expect(fromRows).toEqual({
      chain: 'c',
      ok: true,
      entries: 5,
      head: { seq: 5, hash: entries[4]!.hash },
      checkpoints: 1,
      failure: null,
    })
    expect((await verifyEntries(entries, { chain: 'c' })).ok).toBe(true)
  })

  describe('when a stored body is not in RFC 8785 form', () => {
    // Stored text `{"seq": 1}` (a space) parses to the same object as the canonical `{"seq":1}`.
    const reformatted = (text: string) => text.replace(':', ': ')

    it('accepts it when the hash covers the canonical form (a reformatting store), also in deep mode', async () => {
      const stored = rows(chainOf(3)).map((r) => ({ ...r, body: reformatted(r.body) }))
      expect((await verifyEntries(stored, { chain: 'c' })).ok).toBe(true)
      expect((await verifyEntries(stored, { chain: 'c', deep: true })).ok).toBe(true)
    })

    it('passes the fast byte check but fails deep mode when the hash covers the non-canonical bytes', async () => {
      const [first] = rows(chainOf(1))
      const body = reformatted(first!.body)
      const text = `{"body":${body},"chain":"c","prev":"${GENESIS_PREV}","seq":1,"ts":"${ts}","type":"decision","v":1}`
      const forged = { ...first!, body, hash: sha256Hex(text) }
      expect((await verifyEntries([forged], { chain: 'c' })).ok).toBe(true)
      expect((await verifyEntries([forged], { chain: 'c', deep: true })).failure).toMatchObject({
        seq: 1,
        kind: 'hash_mismatch',
      })
    })
  })

  it('reports an empty chain as ok with no head', async () => {
    expect(await verifyEntries([], { chain: 'c' })).toMatchObject({ ok: true, entries: 0, head: null })
  })

  it.each([
    [
      'a changed body',
      (r: ReturnType<typeof rows>) => {
        r[2]!.body = '{"seq":99}'
      },
      3,
      'hash_mismatch',
    ],
    [
      'a body that is not JSON',
      (r: ReturnType<typeof rows>) => {
        r[2]!.body = '{"seq":'
      },
      3,
      'hash_mismatch',
    ],
    [
      'a non-canonical body text',
      (r: ReturnType<typeof rows>) => {
        r[2]!.body = '{ "seq": 3 }'
      },
      null,
      null,
    ],
    [
      'a malformed hash',
      (r: ReturnType<typeof rows>) => {
        r[1]!.hash = 'XYZ'
      },
      2,
      'hash_mismatch',
    ],
    [
      'a missing entry',
      (r: ReturnType<typeof rows>) => {
        r.splice(1, 1)
      },
      2,
      'gap',
    ],
    [
      'a repeated entry',
      (r: ReturnType<typeof rows>) => {
        r.splice(2, 0, r[1]!)
      },
      2,
      'broken_link',
    ],
    [
      'an entry of another chain',
      (r: ReturnType<typeof rows>) => {
        r[1]!.chain = 'd'
      },
      2,
      'broken_link',
    ],
    [
      'a first entry that does not start at 1',
      (r: ReturnType<typeof rows>) => {
        r.shift()
      },
      1,
      'gap',
    ],
  ])('reports %s', async (_what, edit, seq, kind) => {
    const r = rows(chainOf(4))
    edit(r)
    const report = await verifyEntries(r, { chain: 'c' })
    // A body stored with extra whitespace is the same JSON value: its canonical form still matches the hash.
    expect(report.failure ? { seq: report.failure.seq, kind: report.failure.kind } : null).toEqual(
      seq === null ? null : { seq, kind },
    )
  })

  it('reports a broken prev link when an entry was re-hashed after an edit', async () => {
    const entries = chainOf(4)
    const e = entries[1]!
    entries[1] = linkEntry({ chain: 'c', seq: 2, ts, type: e.type, body: { seq: 200 }, prev: e.prev })
    expect((await verifyEntries(entries, { chain: 'c' })).failure).toMatchObject({
      seq: 3,
      kind: 'broken_link',
    })
  })

  it('reports truncation when a checkpoint names an entry past the end', async () => {
    const entries = chainOf(6)
    const report = await verifyEntries(entries.slice(0, 4), {
      chain: 'c',
      checkpoints: [checkpointAt(entries[5]!)],
    })
    expect(report.failure).toMatchObject({ seq: 5, kind: 'truncated' })
  })

  it('reports a checkpoint that names a different hash', async () => {
    const entries = chainOf(3)
    const other = chainOf(3, 'c').map((e) => e)
    const forged = signCheckpoint({ chain: 'c', seq: 2, hash: 'f'.repeat(64), ts }, privateKey)
    const report = await verifyEntries(other, {
      chain: 'c',
      checkpoints: [forged, checkpointAt(entries[2]!)],
    })
    expect(report.failure).toMatchObject({ seq: 2, kind: 'checkpoint_mismatch' })
  })

  it('reports a bad signature, a malformed checkpoint, and a key that is not trusted', async () => {
    const entries = chainOf(3)
    const good = checkpointAt(entries[2]!)
    const tampered = { ...good, ts: '2030-01-01T00:00:00.000Z' }
    expect((await verifyEntries(entries, { chain: 'c', checkpoints: [tampered] })).failure).toMatchObject({
      seq: 3,
      kind: 'bad_signature',
    })
    expect(
      (await verifyEntries(entries, { chain: 'c', checkpoints: [{ chain: 'c', seq: 2 }] })).failure,
    ).toMatchObject({ seq: 2, kind: 'bad_signature' })
    const wrongKeyId = { ...good, key_id: '0123456789abcdef' }
    expect((await verifyEntries(entries, { chain: 'c', checkpoints: [wrongKeyId] })).failure?.kind).toBe(
      'bad_signature',
    )
    const stranger = trustedKeyFromPem(
      generateKeyPairSync('ed25519').publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    )
    const untrusted = await verifyEntries(entries, {
      chain: 'c',
      checkpoints: [good],
      trustedKeys: [stranger],
    })
    expect(untrusted.failure).toMatchObject({ seq: 3, kind: 'bad_signature' })
    const trusted = trustedKeyFromPem(publicKey.export({ format: 'pem', type: 'spki' }).toString())
    expect(
      (await verifyEntries(entries, { chain: 'c', checkpoints: [good], trustedKeys: [trusted] })).ok,
    ).toBe(true)
  })

  it('ignores checkpoints of other chains and reports the lowest failing seq', async () => {
    const entries = chainOf(5)
    const elsewhere = signCheckpoint({ chain: 'other', seq: 99, hash: 'a'.repeat(64), ts }, privateKey)
    const bad = { ...checkpointAt(entries[4]!), sig: 'AAAA' }
    const r = rows(entries)
    r[1]!.body = '{"seq":20}'
    const report = await verifyEntries(r, { chain: 'c', checkpoints: [elsewhere, bad] })
    expect(report.failure).toMatchObject({ seq: 2, kind: 'hash_mismatch' })
  })

  it('calls onProgress while streaming', async () => {
    const seen: number[] = []
    await verifyEntries(chainOf(25), { chain: 'c', onProgress: (n) => seen.push(n), progressEvery: 10 })
    expect(seen).toEqual([10, 20, 25])
  })
})
