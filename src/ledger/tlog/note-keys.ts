import { createHash, createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto'
import { TlogError } from './errors.js'

/** C2SP signed-note algorithm byte of Ed25519 note signatures. */
export const ALG_ED25519 = 0x01

/**
 * Checks a note signature over a note's text. `keyHash` is the 32-bit key ID that signature lines
 * carry; `verify` gets the signature bytes after those 4 bytes. Cosigners (C2SP tlog-cosignature,
 * algorithm 0x04, timestamped) implement this same interface.
 */
export interface NoteVerifier {
  readonly name: string
  readonly keyHash: number
  verify(text: Buffer, signature: Buffer): boolean
}

/** Signs a note's text as `name` (see {@link NoteVerifier}). */
export interface NoteSigner {
  readonly name: string
  readonly keyHash: number
  sign(text: Buffer): Buffer
}

/** A UTF-16 lone surrogate: text that has no UTF-8 form. @internal */
export const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/**
 * C2SP signed-note key names: non-empty, no Unicode space, no `+`.
 *
 * @example
 * isValidKeyName('arbiter.example/default') // true
 */
export function isValidKeyName(name: string): boolean {
  return (
    name.length > 0 &&
    !/[\s+\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/u.test(name) &&
    !LONE_SURROGATE.test(name)
  )
}

/**
 * The 32-bit key ID: first 4 bytes (big-endian) of SHA-256(name ‖ 0x0A ‖ alg ‖ public key).
 *
 * @example
 * noteKeyHash('example.com/log', Buffer.concat([Buffer.from([1]), pub]))
 */
export function noteKeyHash(name: string, algAndKey: Uint8Array): number {
  return createHash('sha256').update(`${name}\n`, 'utf8').update(algAndKey).digest().readUInt32BE(0)
}

function assertName(name: string): void {
  if (!isValidKeyName(name))
    throw new TlogError(
      'TLOG_KEY_INVALID',
      `key name must be non-empty without spaces or '+', got ${JSON.stringify(name).slice(0, 80)}`,
    )
}

function rawEd25519Public(key: KeyObject): Buffer {
  const pub = key.type === 'private' ? createPublicKey(key) : key
  if (pub.asymmetricKeyType !== 'ed25519')
    throw new TlogError('TLOG_KEY_INVALID', `note keys must be ed25519, got ${pub.asymmetricKeyType}`)
  return Buffer.from(String(pub.export({ format: 'jwk' }).x), 'base64url')
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0')
}

/**
 * An Ed25519 note signer (algorithm 0x01) named `name`.
 *
 * @throws {TlogError} TLOG_KEY_INVALID
 * @example
 * const signer = ed25519NoteSigner('arbiter.example/default', privateKey)
 */
export function ed25519NoteSigner(name: string, privateKey: KeyObject): NoteSigner {
  assertName(name)
  if (privateKey.type !== 'private')
    throw new TlogError('TLOG_KEY_INVALID', 'note signing needs a private key')
  const pub = rawEd25519Public(privateKey)
  const keyHash = noteKeyHash(name, Buffer.concat([Buffer.from([ALG_ED25519]), pub]))
  return { name, keyHash, sign: (text) => sign(null, text, privateKey) }
}

/**
 * An Ed25519 note verifier for `name` and a public key (KeyObject or raw 32 bytes).
 *
 * @throws {TlogError} TLOG_KEY_INVALID
 * @example
 * const verifier = ed25519NoteVerifier('arbiter.example/default', publicKey)
 */
export function ed25519NoteVerifier(name: string, publicKey: KeyObject | Uint8Array): NoteVerifier {
  assertName(name)
  const raw = publicKey instanceof Uint8Array ? Buffer.from(publicKey) : rawEd25519Public(publicKey)
  if (raw.length !== 32)
    throw new TlogError('TLOG_KEY_INVALID', `ed25519 public key must be 32 bytes, got ${raw.length}`)
  const key = createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') },
    format: 'jwk',
  })
  const keyHash = noteKeyHash(name, Buffer.concat([Buffer.from([ALG_ED25519]), raw]))
  return {
    name,
    keyHash,
    // Attacker-supplied signature bytes: a wrong length is a failed check, never a throw.
    verify: (text, signature) => {
      try {
        return signature.length === 64 && verify(null, text, key, signature)
      } catch {
        return false
      }
    },
  }
}

/**
 * The C2SP verifier key of an Ed25519 key: `<name>+<hex8 key hash>+<base64(0x01 ‖ public key)>`.
 *
 * @throws {TlogError} TLOG_KEY_INVALID
 * @example
 * ed25519VerifierKey('arbiter.example/default', privateKey) // 'arbiter.example/default+1a2b3c4d+AU…'
 */
export function ed25519VerifierKey(name: string, key: KeyObject): string {
  assertName(name)
  const algAndKey = Buffer.concat([Buffer.from([ALG_ED25519]), rawEd25519Public(key)])
  return `${name}+${hex8(noteKeyHash(name, algAndKey))}+${algAndKey.toString('base64')}`
}

/**
 * The C2SP (Go `note`) signer key of an Ed25519 private key:
 * `PRIVATE+KEY+<name>+<hex8 key hash>+<base64(0x01 ‖ seed)>`.
 *
 * @throws {TlogError} TLOG_KEY_INVALID
 * @example
 * ed25519SignerKey('arbiter.example/default', privateKey)
 */
export function ed25519SignerKey(name: string, privateKey: KeyObject): string {
  const signer = ed25519NoteSigner(name, privateKey)
  const seed = Buffer.from(String(privateKey.export({ format: 'jwk' }).d), 'base64url')
  return `PRIVATE+KEY+${name}+${hex8(signer.keyHash)}+${Buffer.concat([Buffer.from([ALG_ED25519]), seed]).toString('base64')}`
}

/** Builds a verifier for one algorithm from a parsed verifier key (hook for cosignature algorithms). */
export type VerifierFactory = (name: string, keyHash: number, key: Buffer) => NoteVerifier

const ed25519Factory: VerifierFactory = (name, _hash, key) => ed25519NoteVerifier(name, key)

/**
 * Parses a verifier key `<name>+<hex8>+<base64(alg ‖ key)>` (attacker-supplied text), checks that
 * the key hash matches, and builds a verifier by algorithm (Ed25519 by default; pass more factories,
 * e.g. tlog-cosignature 0x04, keyed by algorithm byte).
 *
 * @throws {TlogError} TLOG_KEY_INVALID
 * @example
 * const v = parseVerifierKey('arbiter.example/default+1a2b3c4d+AU…')
 */
export function parseVerifierKey(
  vkey: unknown,
  factories: Readonly<Record<number, VerifierFactory>> = { [ALG_ED25519]: ed25519Factory },
): NoteVerifier {
  if (typeof vkey !== 'string' || vkey.length > 4096)
    throw new TlogError('TLOG_KEY_INVALID', 'verifier key must be a string of at most 4096 characters')
  // Split at the first two '+' only: the base64 key may itself contain '+' (as Go's note.NewVerifier does).
  const first = vkey.indexOf('+')
  const second = first < 0 ? -1 : vkey.indexOf('+', first + 1)
  if (second < 0)
    throw new TlogError('TLOG_KEY_INVALID', 'verifier key must be <name>+<hex8 key hash>+<base64 key>')
  const name = vkey.slice(0, first)
  const hashText = vkey.slice(first + 1, second)
  const keyText = vkey.slice(second + 1)
  assertName(name)
  if (!/^[0-9a-f]{8}$/.test(hashText))
    throw new TlogError('TLOG_KEY_INVALID', 'verifier key hash must be 8 lowercase hex digits')
  const algAndKey = Buffer.from(keyText, 'base64')
  if (algAndKey.length < 2 || algAndKey.toString('base64') !== keyText)
    throw new TlogError('TLOG_KEY_INVALID', 'verifier key material must be standard base64')
  const keyHash = Number.parseInt(hashText, 16)
  if (noteKeyHash(name, algAndKey) !== keyHash)
    throw new TlogError('TLOG_KEY_INVALID', `verifier key hash ${hashText} does not match its name and key`)
  const factory = factories[algAndKey[0]!]
  if (!factory)
    throw new TlogError(
      'TLOG_KEY_INVALID',
      `unknown verifier key algorithm 0x${algAndKey[0]!.toString(16).padStart(2, '0')}`,
    )
  return factory(name, keyHash, algAndKey.subarray(1))
}

/**
 * Imports an Ed25519 private key from its 32-byte seed (as a note signer key carries).
 *
 * @throws {TlogError} TLOG_KEY_INVALID
 * @internal
 */
export function ed25519FromSeed(seed: Uint8Array): KeyObject {
  if (seed.length !== 32) throw new TlogError('TLOG_KEY_INVALID', 'ed25519 seed must be 32 bytes')
  const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed])
  return createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' })
}
