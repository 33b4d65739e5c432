import { generateKeyPairSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  checkpointOrigin,
  ed25519FromSeed,
  ed25519NoteSigner,
  ed25519NoteVerifier,
  ed25519SignerKey,
  ed25519VerifierKey,
  formatCheckpoint,
  noteKeyHash,
  openNote,
  parseCheckpoint,
  parseNote,
  parseVerifierKey,
  signNote,
} from '../../../src/ledger/tlog/index.js'

const { privateKey } = generateKeyPairSync('ed25519')
const other = generateKeyPairSync('ed25519').privateKey
const origin = checkpointOrigin('arbiter.test', 'default')
const root = Buffer.alloc(32, 7)
const body = formatCheckpoint({ origin, size: 42, root, extensions: [] })

describe('C2SP signed-note (Go sumdb/note vector)', () => {
  // From golang.org/x/mod/sumdb/note's documentation: key "PeterNeumann".
  const vkey = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'
  const signed =
    "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n\n" +
    '— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n'

  it('verifies the published note with the published verifier key', () => {
    const note = openNote(signed, [parseVerifierKey(vkey)])
    expect(note.text.startsWith('If you think')).toBe(true)
    expect(note.verified.map((s) => s.name)).toEqual(['PeterNeumann'])
  })

  it('refuses the note when one text byte changes', () => {
    expect(() => openNote(signed.replace('answer', 'Answer'), [parseVerifierKey(vkey)])).toThrowWithCode(
      'TLOG_NOTE_UNVERIFIED',
    )
  })
})

describe('Ed25519 note keys', () => {
  it('formats a verifier key that parses back to a verifier with the same key hash', () => {
    const vkey = ed25519VerifierKey(origin, privateKey)
    expect(vkey).toMatch(/^arbiter\.test\/default\+[0-9a-f]{8}\+A[A-Za-z0-9+/]{43}$/)
    const v = parseVerifierKey(vkey)
    expect(v.keyHash).toBe(ed25519NoteSigner(origin, privateKey).keyHash)
    expect(v.keyHash).toBe(
      noteKeyHash(origin, Buffer.from(vkey.slice(vkey.indexOf('+', vkey.indexOf('+') + 1) + 1), 'base64')),
    )
  })

  it('round-trips the signer key seed', () => {
    const skey = ed25519SignerKey(origin, privateKey)
    const seed = Buffer.from(skey.slice(`PRIVATE+KEY+${origin}+00000000+`.length), 'base64').subarray(1)
    const again = ed25519FromSeed(seed)
    expect(ed25519VerifierKey(origin, again)).toBe(ed25519VerifierKey(origin, privateKey))
  })

  it.each([
    ['no plus signs', 'abc'],
    [
      'a wrong key hash',
      `${origin}+00000000+${ed25519VerifierKey(origin, privateKey).slice(origin.length + 10)}`,
    ],
    ['an unknown algorithm', `x+${'0'.repeat(8)}+BAAA`],
    ['a name with a space', 'a b+00000000+AQ=='],
    ['non-base64 key', `${origin}+00000000+!!!!`],
    ['a non-string', 42],
  ])('refuses %s with TLOG_KEY_INVALID', (_what, vkey) => {
    expect(() => parseVerifierKey(vkey)).toThrowWithCode('TLOG_KEY_INVALID')
  })
})

describe('signNote / openNote', () => {
  const signer = ed25519NoteSigner(origin, privateKey)
  const verifier = ed25519NoteVerifier(origin, privateKey)

  it('signs a checkpoint that opens with the key and parses back', () => {
    const note = signNote(body, [signer])
    const opened = openNote(note, [verifier])
    expect(parseCheckpoint(opened.text)).toEqual({ origin, size: 42, root, extensions: [] })
  })

  it('keeps unknown signatures (cosignatures) and ignores them when verifying', () => {
    const witness = ed25519NoteSigner('witness.test/w1', other)
    const note = signNote(body, [signer, witness])
    const opened = openNote(note, [verifier])
    expect(opened.unknown.map((s) => s.name)).toEqual(['witness.test/w1'])
    expect(openNote(note, [verifier, ed25519NoteVerifier('witness.test/w1', other)]).verified).toHaveLength(2)
  })

  it('fails with TLOG_NOTE_UNVERIFIED when no known key signed, or a known key signature is bad', () => {
    const note = signNote(body, [signer])
    expect(() => openNote(note, [ed25519NoteVerifier(origin, other)])).toThrowWithCode('TLOG_NOTE_UNVERIFIED')
    expect(() => openNote(note.replace('\n42\n', '\n43\n'), [verifier])).toThrowWithCode(
      'TLOG_NOTE_UNVERIFIED',
    )
    expect(() => openNote(note, [])).toThrowWithCode('TLOG_NOTE_UNVERIFIED')
  })

  it.each([
    ['no blank line', 'a\nb\n'],
    ['no signature lines', 'a\n\n'],
    ['a signature line without the em dash', 'a\n\n- k AAAAAAA=\n'],
    ['a short signature', 'a\n\n— k AAAA\n'],
    ['a control character', 'a\u0001\n\n— k AAAAAAA=\n'],
    ['a missing final newline', 'a\n\n— k AAAAAAAA'],
    ['101 signatures', `a\n\n${'— k AAAAAAA=\n'.repeat(101)}`],
  ])('refuses a note with %s (TLOG_NOTE_MALFORMED)', (_what, text) => {
    expect(() => parseNote(text)).toThrowWithCode('TLOG_NOTE_MALFORMED')
  })

  it('refuses oversized and non-UTF-8 input', () => {
    expect(() => parseNote('x'.repeat(70_000))).toThrowWithCode('TLOG_NOTE_MALFORMED')
    expect(() => parseNote(Buffer.from([0x61, 0xff, 0x0a, 0x0a]))).toThrowWithCode('TLOG_NOTE_MALFORMED')
  })

  it('refuses to sign text with an empty line or without a final newline', () => {
    expect(() => signNote('a\n\nb\n', [signer])).toThrowWithCode('TLOG_NOTE_MALFORMED')
    expect(() => signNote('a', [signer])).toThrowWithCode('TLOG_NOTE_MALFORMED')
  })
})

describe('tlog-checkpoint bodies', () => {
  it.each([
    ['two lines', 'o\n1\n'],
    ['a leading zero', `o\n01\n${root.toString('base64')}\n`],
    ['a short root', `o\n1\n${Buffer.alloc(31).toString('base64')}\n`],
    ['an empty extension line', `o\n1\n${root.toString('base64')}\n\n`],
    ['no final newline', `o\n1\n${root.toString('base64')}`],
  ])('refuses %s (TLOG_CHECKPOINT_MALFORMED)', (_what, text) => {
    expect(() => parseCheckpoint(text)).toThrowWithCode('TLOG_CHECKPOINT_MALFORMED')
  })

  it('keeps extension lines and refuses a bad origin', () => {
    const text = formatCheckpoint({ origin, size: 0, root, extensions: ['ext one'] })
    expect(parseCheckpoint(text).extensions).toEqual(['ext one'])
    expect(() => checkpointOrigin('has space', 'c')).toThrowWithCode('TLOG_CHECKPOINT_MALFORMED')
  })
})
