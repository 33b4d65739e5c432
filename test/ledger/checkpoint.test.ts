import { generateKeyPairSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  checkCheckpointSignature,
  checkpointMessage,
  keyIdOf,
  publicKeyFromBase64,
  rawPublicKey,
  signCheckpoint,
  trustedKeyFromPem,
} from '../../src/ledger/index.js'
import { sha256Hex } from '../../src/shared/index.js'

const head = { chain: 'default', seq: 41, hash: 'ab'.repeat(32), ts: '2026-11-23T19:40:01.123Z' }

describe('checkpoints', () => {
  const { privateKey } = generateKeyPairSync('ed25519')

  it('sign the exact text of the format', () => {
    expect(checkpointMessage(head)).toBe(
      `arbiter-checkpoint v1\ndefault\n41\n${'ab'.repeat(32)}\n2026-11-23T19:40:01.123Z\n`,
    )
  })

  it('carry key_id = first 16 hex of sha256(raw public key) and verify', () => {
    const cp = signCheckpoint(head, privateKey)
    const raw = rawPublicKey(privateKey)
    expect(raw).toHaveLength(32)
    expect(cp.key_id).toBe(sha256Hex(raw).slice(0, 16))
    expect(keyIdOf(raw)).toBe(cp.key_id)
    expect(Buffer.from(cp.sig, 'base64')).toHaveLength(64)
    expect(checkCheckpointSignature(cp)).toBeNull()
    expect(rawPublicKey(publicKeyFromBase64(cp.public_key)).equals(raw)).toBe(true)
  })

  it.each([
    ['seq', { seq: 42 }],
    ['hash', { hash: 'cd'.repeat(32) }],
    ['ts', { ts: '2026-11-23T19:40:01.124Z' }],
    ['chain', { chain: 'other' }],
    ['sig', { sig: 'not base64 at all' }],
    ['public_key', { public_key: 'AAAA' }],
  ])('fail when %s changes', (_field, change) => {
    expect(checkCheckpointSignature({ ...signCheckpoint(head, privateKey), ...change })).toMatch(
      /checkpoint at seq/,
    )
  })

  it('reject keys that are not Ed25519', () => {
    const { privateKey: rsa } = generateKeyPairSync('rsa', { modulusLength: 1024 })
    expect(() => signCheckpoint(head, rsa)).toThrowWithCode('LEDGER_KEY_INVALID')
    expect(() => signCheckpoint(head, generateKeyPairSync('ed25519').publicKey)).toThrowWithCode(
      'LEDGER_KEY_INVALID',
    )
    expect(() => trustedKeyFromPem('not a pem')).toThrowWithCode('LEDGER_KEY_INVALID')
    expect(() => publicKeyFromBase64('AAAA')).toThrowWithCode('LEDGER_KEY_INVALID')
  })
})
