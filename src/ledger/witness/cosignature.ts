import { createHash, createPublicKey, type KeyObject, sign, verify } from 'node:crypto'
import { WitnessError } from './errors.js'

/** Signature type byte of a C2SP tlog-cosignature/v1 (Ed25519) verifier key and key id. */
export const COSIGNATURE_V1_ALG = 0x04

/** A cosigner (witness) public key, parsed from its C2SP verifier key. */
export interface CosignerKey {
  readonly name: string
  /** The 4-byte key id: SHA-256(name ‖ "\n" ‖ 0x04 ‖ key)[:4]. */
  readonly keyId: Buffer
  /** The raw 32-byte Ed25519 public key. */
  readonly raw: Buffer
  readonly key: KeyObject
  /** The verifier key text `<name>+<hex key id>+<base64(0x04 ‖ key)>`. */
  readonly vkey: string
}

/** One verified cosignature: who, when (POSIX seconds) and its signature line. */
export interface Cosignature {
  readonly name: string
  readonly timestamp: number
  /** The note signature line, `— <name> <base64>` without the newline. */
  readonly line: string
}

// Key names: no whitespace, no '+' (signed-note); we also refuse '=' so `<url>=<vkey>` splits cleanly.
const KEY_NAME = /^[^\s+=]{1,255}$/

/**
 * Checks a cosigner key name: non-empty, no whitespace, '+' or '=' (signed-note names, plus our `=`).
 *
 * @throws {WitnessError} WITNESS_KEY_INVALID
 * @example
 * assertKeyName('witness.example/w1')
 */
export function assertKeyName(name: string): void {
  if (!KEY_NAME.test(name))
    throw new WitnessError(
      'WITNESS_KEY_INVALID',
      `key name must be 1-255 characters without whitespace, '+' or '=', got ${JSON.stringify(name).slice(0, 80)}`,
    )
}

/** SHA-256(name ‖ "\n" ‖ alg ‖ raw key)[:4], the signed-note key id. */
function keyIdOf(name: string, alg: number, raw: Uint8Array): Buffer {
  return createHash('sha256')
    .update(`${name}\n`, 'utf8')
    .update(Buffer.from([alg]))
    .update(raw)
    .digest()
    .subarray(0, 4)
}

function importRaw(raw: Buffer): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' })
}

/**
 * Builds the cosigner key of `name` for an Ed25519 public (or private) key.
 *
 * @throws {WitnessError} WITNESS_KEY_INVALID when the name or key is not usable.
 * @example
 * const me = cosignerKeyOf('witness.example/w1', privateKey)
 * me.vkey // 'witness.example/w1+1a2b3c4d+BN…'
 */
export function cosignerKeyOf(name: string, key: KeyObject): CosignerKey {
  assertKeyName(name)
  const pub = key.type === 'private' ? createPublicKey(key) : key
  if (pub.asymmetricKeyType !== 'ed25519')
    throw new WitnessError('WITNESS_KEY_INVALID', `witness key must be ed25519, got ${pub.asymmetricKeyType}`)
  const raw = Buffer.from(String(pub.export({ format: 'jwk' }).x), 'base64url')
  const keyId = keyIdOf(name, COSIGNATURE_V1_ALG, raw)
  const material = Buffer.concat([Buffer.from([COSIGNATURE_V1_ALG]), raw]).toString('base64')
  return { name, keyId, raw, key: pub, vkey: `${name}+${keyId.toString('hex')}+${material}` }
}

/**
 * Parses a cosigner verifier key `<name>+<hex key id>+<base64(0x04 ‖ 32-byte key)>` (untrusted text).
 *
 * @throws {WitnessError} WITNESS_KEY_INVALID when malformed, of another type, or the id does not match.
 * @example
 * const witness = parseCosignerVkey(process.env.WITNESS_VKEY)
 */
export function parseCosignerVkey(text: unknown): CosignerKey {
  const bad = (why: string) => new WitnessError('WITNESS_KEY_INVALID', `witness verifier key ${why}`)
  if (typeof text !== 'string' || text.length > 600) throw bad('must be a string <name>+<hash>+<key>')
  // Split at the first two '+' only: the base64 key may contain '+' itself (as Go's note.NewVerifier does).
  const trimmed = text.trim()
  const first = trimmed.indexOf('+')
  const second = first < 0 ? -1 : trimmed.indexOf('+', first + 1)
  if (second < 0) throw bad('must be <name>+<hex key hash>+<base64 key>')
  const name = trimmed.slice(0, first)
  const hash = trimmed.slice(first + 1, second)
  const material = trimmed.slice(second + 1)
  assertKeyName(name)
  if (!/^[0-9a-f]{8}$/.test(hash)) throw bad('key hash must be 8 lowercase hex characters')
  const bytes = Buffer.from(material, 'base64')
  if (bytes.toString('base64') !== material || bytes.length !== 33)
    throw bad('key must be base64 of 33 bytes (type byte and Ed25519 key)')
  if (bytes[0] !== COSIGNATURE_V1_ALG)
    throw bad(`has type 0x${bytes[0]!.toString(16).padStart(2, '0')}, a cosignature/v1 key is 0x04`)
  const key = cosignerKeyOf(name, importRaw(bytes.subarray(1)))
  if (key.keyId.toString('hex') !== hash) throw bad(`${name}: key hash does not match the key`)
  return key
}

/**
 * The exact bytes a tlog-cosignature/v1 signs: `cosignature/v1\ntime <t>\n` and the whole note body.
 *
 * @example
 * cosignatureMessage('example.com/log\n3\nAbC…=\n', 1679315147)
 */
export function cosignatureMessage(noteBody: string, timestamp: number | bigint): Buffer {
  return Buffer.from(`cosignature/v1\ntime ${timestamp}\n${noteBody}`, 'utf8')
}

/**
 * Cosigns a checkpoint note body at `timestamp` (POSIX seconds) and returns its signature line.
 *
 * @throws {WitnessError} WITNESS_KEY_INVALID when the key is not an Ed25519 private key.
 * @example
 * const { line } = signCosignature(body, { name: 'w1', privateKey }, Math.floor(Date.now() / 1000))
 */
export function signCosignature(
  noteBody: string,
  signer: { readonly name: string; readonly privateKey: KeyObject },
  timestamp: number,
): Cosignature {
  if (signer.privateKey.type !== 'private')
    throw new WitnessError('WITNESS_KEY_INVALID', 'cosigning needs a private key')
  const { keyId } = cosignerKeyOf(signer.name, signer.privateKey)
  const stamp = Buffer.alloc(8)
  stamp.writeBigUInt64BE(BigInt(timestamp))
  const sig = sign(null, cosignatureMessage(noteBody, timestamp), signer.privateKey)
  const line = `\u2014 ${signer.name} ${Buffer.concat([keyId, stamp, sig]).toString('base64')}`
  return { name: signer.name, timestamp, line }
}

/**
 * Checks one note signature line as a cosignature by `witness` on `noteBody`. Returns the verified
 * cosignature, or null when the line is another key's (name or key id differ) or does not verify.
 * The line is attacker-controlled: anything malformed is simply not a valid cosignature.
 *
 * @example
 * const cosig = verifyCosignatureLine(body, line, witness) // null unless valid
 */
export function verifyCosignatureLine(
  noteBody: string,
  line: string,
  witness: CosignerKey,
): Cosignature | null {
  const m = /^\u2014 (\S+) ([A-Za-z0-9+/]+={0,2})$/.exec(line)
  if (!m || m[1] !== witness.name) return null
  const bytes = Buffer.from(m[2]!, 'base64')
  if (bytes.length !== 76 || !bytes.subarray(0, 4).equals(witness.keyId)) return null
  const stamp = bytes.readBigUInt64BE(4)
  if (stamp >= 2n ** 63n) return null
  try {
    if (!verify(null, cosignatureMessage(noteBody, stamp), witness.key, bytes.subarray(12))) return null
  } catch {
    return null
  }
  return { name: witness.name, timestamp: Number(stamp), line }
}
