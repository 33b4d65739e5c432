import { createPublicKey, type KeyObject, sign, verify } from 'node:crypto'
import { sha256Hex } from '../shared/index.js'
import { LedgerError } from './errors.js'
import type { Checkpoint } from './ledger.types.js'

/** A checkpoint as stored in `ledger_checkpoints` and anchor files: it carries its public key. */
export interface StoredCheckpoint extends Checkpoint {
  /** Base64 of the raw 32-byte Ed25519 public key. */
  readonly public_key: string
  /**
   * The same checkpoint as a C2SP signed note (tlog-checkpoint body `<origin>\n<seq>\n<base64 Merkle
   * root>\n`, Ed25519 note signature by key name `<origin>`); absent on checkpoints older than 0103.
   */
  readonly note?: string
}

/** A public key a verifier trusts, by key id. */
export interface TrustedKey {
  readonly keyId: string
  readonly key: KeyObject
}

/**
 * The exact UTF-8 text a checkpoint signs.
 *
 * @example
 * checkpointMessage({ chain: 'default', seq: 3, hash, ts }) // 'arbiter-checkpoint v1\ndefault\n3\n<hash>\n<ts>\n'
 */
export function checkpointMessage(c: Pick<Checkpoint, 'chain' | 'seq' | 'hash' | 'ts'>): string {
  return `arbiter-checkpoint v1\n${c.chain}\n${c.seq}\n${c.hash}\n${c.ts}\n`
}

/**
 * The raw 32-byte Ed25519 public key of a key pair (or public key).
 *
 * @throws {LedgerError} LEDGER_KEY_INVALID when the key is not Ed25519.
 * @example
 * const raw = rawPublicKey(privateKey)
 */
export function rawPublicKey(key: KeyObject): Buffer {
  const pub = key.type === 'private' ? createPublicKey(key) : key
  if (pub.asymmetricKeyType !== 'ed25519')
    throw new LedgerError(
      'LEDGER_KEY_INVALID',
      `checkpoint key must be ed25519, got ${pub.asymmetricKeyType}`,
    )
  const jwk = pub.export({ format: 'jwk' })
  return Buffer.from(String(jwk.x), 'base64url')
}

/**
 * `key_id`: the first 16 hex characters of SHA-256 of the raw 32-byte public key.
 *
 * @example
 * keyIdOf(rawPublicKey(privateKey)) // '3f9a…' (16 hex)
 */
export function keyIdOf(raw: Uint8Array): string {
  return sha256Hex(raw).slice(0, 16)
}

/**
 * Imports a raw 32-byte Ed25519 public key (base64).
 *
 * @throws {LedgerError} LEDGER_KEY_INVALID when it is not 32 bytes.
 * @example
 * const key = publicKeyFromBase64(row.public_key)
 */
export function publicKeyFromBase64(base64: string): KeyObject {
  const raw = Buffer.from(base64, 'base64')
  if (raw.length !== 32 || raw.toString('base64') !== base64)
    throw new LedgerError('LEDGER_KEY_INVALID', 'public key must be base64 of 32 bytes')
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' })
}

/**
 * Signs the head `{chain, seq, hash}` at time `ts` with an Ed25519 private key.
 *
 * @throws {LedgerError} LEDGER_KEY_INVALID when the key is not an Ed25519 private key.
 * @example
 * const cp = signCheckpoint({ chain: 'default', seq: 10, hash, ts: '2026-11-23T19:40:01.123Z' }, privateKey)
 */
export function signCheckpoint(
  head: Pick<Checkpoint, 'chain' | 'seq' | 'hash' | 'ts'>,
  privateKey: KeyObject,
): StoredCheckpoint {
  if (privateKey.type !== 'private')
    throw new LedgerError('LEDGER_KEY_INVALID', 'signing needs a private key')
  const raw = rawPublicKey(privateKey)
  const sig = sign(null, Buffer.from(checkpointMessage(head), 'utf8'), privateKey).toString('base64')
  return {
    chain: head.chain,
    seq: head.seq,
    hash: head.hash,
    ts: head.ts,
    key_id: keyIdOf(raw),
    sig,
    public_key: raw.toString('base64'),
  }
}

/**
 * Checks a checkpoint's signature. With `trusted` keys, the checkpoint must be signed by one of them
 * (the embedded public key is then ignored); otherwise the embedded key is used and must match `key_id`.
 * Returns null when valid, else the reason.
 *
 * @example
 * const problem = checkCheckpointSignature(cp) // null when the signature is good
 */
export function checkCheckpointSignature(
  cp: StoredCheckpoint,
  trusted?: readonly TrustedKey[],
): string | null {
  let key: KeyObject
  if (trusted && trusted.length > 0) {
    const match = trusted.find((t) => t.keyId === cp.key_id)
    if (!match) return `checkpoint at seq ${cp.seq} is signed by untrusted key ${cp.key_id}`
    key = match.key
  } else {
    try {
      key = publicKeyFromBase64(cp.public_key)
    } catch {
      return `checkpoint at seq ${cp.seq} carries a malformed public key`
    }
    if (keyIdOf(rawPublicKey(key)) !== cp.key_id)
      return `checkpoint at seq ${cp.seq}: key_id ${cp.key_id} does not match its public key`
  }
  const sig = Buffer.from(cp.sig, 'base64')
  // Untrusted input: a malformed signature is a failed check, not a crash.
  try {
    if (sig.length === 64 && verify(null, Buffer.from(checkpointMessage(cp), 'utf8'), key, sig)) return null
  } catch {
    // fall through
  }
  return `checkpoint at seq ${cp.seq} has an invalid signature`
}

/**
 * Builds a trusted key from a PEM public (or private) key.
 *
 * @throws {LedgerError} LEDGER_KEY_INVALID
 * @example
 * const trusted = trustedKeyFromPem(readFileSync('checkpoint-public.pem', 'utf8'))
 */
export function trustedKeyFromPem(pem: string): TrustedKey {
  let key: KeyObject
  try {
    key = createPublicKey(pem)
  } catch (error) {
    throw new LedgerError('LEDGER_KEY_INVALID', 'trusted key is not a PEM public key', { cause: error })
  }
  return { keyId: keyIdOf(rawPublicKey(key)), key }
}
