import { TlogError } from './errors.js'
import { isValidKeyName, LONE_SURROGATE, type NoteSigner, type NoteVerifier } from './note-keys.js'

/** One signature line of a note: key name, 32-bit key ID, signature bytes (after the key ID). */
export interface NoteSignature {
  readonly name: string
  readonly keyHash: number
  readonly signature: Buffer
}

/** A note split into its text (ending in a newline) and signature lines, not yet verified. */
export interface SignedNote {
  readonly text: string
  readonly signatures: readonly NoteSignature[]
}

/** A note whose text is vouched for by at least one known key. */
export interface OpenedNote extends SignedNote {
  /** Signatures by known keys, all valid (duplicates dropped). */
  readonly verified: readonly NoteSignature[]
  /** Signatures by keys the caller did not name: ignored, as the spec requires. */
  readonly unknown: readonly NoteSignature[]
}

const SIG_PREFIX = '\u2014 '
/** Go's `note.Open` refuses more than 100 signature lines; so do we. */
export const MAX_NOTE_SIGNATURES = 100
/** Default cap on a whole note (checkpoints are a few hundred bytes). */
export const MAX_NOTE_BYTES = 64 * 1024

/**
 * One signature line: `— <name> <base64(key ID ‖ signature)>\n`.
 *
 * @example
 * signatureLine({ name, keyHash, signature })
 */
export function signatureLine(sig: NoteSignature): string {
  const head = Buffer.alloc(4)
  head.writeUInt32BE(sig.keyHash >>> 0)
  return `${SIG_PREFIX}${sig.name} ${Buffer.concat([head, sig.signature]).toString('base64')}\n`
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i)
    if (c < 0x20 && c !== 0x0a) return true
  }
  return false
}

function assertText(text: string): void {
  // Valid UTF-8 (well-formed UTF-16 here) with no control characters but newline.
  if (LONE_SURROGATE.test(text) || hasControlCharacter(text))
    throw new TlogError(
      'TLOG_NOTE_MALFORMED',
      'note text must be UTF-8 without control characters other than newline',
    )
}

/**
 * Signs a note's text (which must end with a newline) with every signer, keeping `existing`
 * signature lines after the new ones.
 *
 * @throws {TlogError} TLOG_NOTE_MALFORMED, TLOG_KEY_INVALID
 * @example
 * const note = signNote('example.com/log\n1\n…=\n', [signer])
 */
export function signNote(
  text: string,
  signers: readonly NoteSigner[],
  existing: readonly NoteSignature[] = [],
): string {
  assertText(text)
  if (!text.endsWith('\n') || text.includes('\n\n'))
    throw new TlogError('TLOG_NOTE_MALFORMED', 'note text must end with a newline and have no empty line')
  const bytes = Buffer.from(text, 'utf8')
  const fresh = signers.map((s) => {
    if (!isValidKeyName(s.name))
      throw new TlogError('TLOG_KEY_INVALID', `invalid signer name ${JSON.stringify(s.name)}`)
    return { name: s.name, keyHash: s.keyHash, signature: s.sign(bytes) }
  })
  return formatNote({ text, signatures: [...fresh, ...existing] })
}

/**
 * Writes a note: its text, an empty line, one line per signature.
 *
 * @example
 * formatNote(parsed) === original
 */
export function formatNote(note: SignedNote): string {
  return `${note.text}\n${note.signatures.map(signatureLine).join('')}`
}

/**
 * Splits a note into text and signature lines without checking signatures (attacker-supplied bytes:
 * size-capped, UTF-8 checked, every line parsed strictly as Go's `note.Open` does).
 *
 * @throws {TlogError} TLOG_NOTE_MALFORMED
 * @example
 * const { text, signatures } = parseNote(body)
 */
export function parseNote(input: string | Uint8Array, maxBytes = MAX_NOTE_BYTES): SignedNote {
  const size = typeof input === 'string' ? Buffer.byteLength(input, 'utf8') : input.length
  if (size > maxBytes)
    throw new TlogError('TLOG_NOTE_MALFORMED', `note is ${size} bytes, more than ${maxBytes}`)
  let msg: string
  try {
    msg = typeof input === 'string' ? input : new TextDecoder('utf-8', { fatal: true }).decode(input)
  } catch (error) {
    throw new TlogError('TLOG_NOTE_MALFORMED', 'note is not UTF-8', { cause: error })
  }
  assertText(msg)
  const split = msg.lastIndexOf('\n\n')
  if (split < 0) throw new TlogError('TLOG_NOTE_MALFORMED', 'note has no empty line before its signatures')
  const text = msg.slice(0, split + 1)
  const block = msg.slice(split + 2)
  if (block.length === 0 || !block.endsWith('\n'))
    throw new TlogError(
      'TLOG_NOTE_MALFORMED',
      'note signatures must be non-empty lines ending with a newline',
    )
  const lines = block.slice(0, -1).split('\n')
  if (lines.length > MAX_NOTE_SIGNATURES)
    throw new TlogError(
      'TLOG_NOTE_MALFORMED',
      `note has ${lines.length} signatures, more than ${MAX_NOTE_SIGNATURES}`,
    )
  return { text, signatures: lines.map(parseSignatureLine) }
}

function parseSignatureLine(line: string, i: number): NoteSignature {
  if (!line.startsWith(SIG_PREFIX))
    throw new TlogError('TLOG_NOTE_MALFORMED', `signature line ${i + 1} does not start with '— '`)
  const rest = line.slice(SIG_PREFIX.length)
  const space = rest.indexOf(' ')
  const name = space < 0 ? rest : rest.slice(0, space)
  const b64 = space < 0 ? '' : rest.slice(space + 1)
  const raw = Buffer.from(b64, 'base64')
  if (!isValidKeyName(name) || b64 === '' || raw.toString('base64') !== b64 || raw.length < 5)
    throw new TlogError(
      'TLOG_NOTE_MALFORMED',
      `signature line ${i + 1} is not '— <name> <base64(key ID ‖ signature)>'`,
    )
  return { name, keyHash: raw.readUInt32BE(0), signature: raw.subarray(4) }
}

/**
 * Parses a note and checks its signatures against `verifiers` (matched by name and key ID). Unknown
 * signatures are ignored; a known key's bad signature fails the whole note; at least one known valid
 * signature is required.
 *
 * @throws {TlogError} TLOG_NOTE_MALFORMED, TLOG_NOTE_UNVERIFIED
 * @example
 * const note = openNote(body, [parseVerifierKey(vkey)])
 */
export function openNote(
  input: string | Uint8Array,
  verifiers: readonly NoteVerifier[],
  maxBytes?: number,
): OpenedNote {
  const note = parseNote(input, maxBytes)
  const text = Buffer.from(note.text, 'utf8')
  const verified: NoteSignature[] = []
  const unknown: NoteSignature[] = []
  const seen = new Set<string>()
  for (const sig of note.signatures) {
    const verifier = verifiers.find((v) => v.name === sig.name && v.keyHash === sig.keyHash)
    if (!verifier) {
      unknown.push(sig)
      continue
    }
    const id = `${sig.name}+${sig.keyHash}`
    if (seen.has(id)) continue
    seen.add(id)
    if (!verifier.verify(text, sig.signature))
      throw new TlogError(
        'TLOG_NOTE_UNVERIFIED',
        `note signature by ${sig.name} (key ${sig.keyHash.toString(16).padStart(8, '0')}) is invalid`,
      )
    verified.push(sig)
  }
  if (verified.length === 0)
    throw new TlogError(
      'TLOG_NOTE_UNVERIFIED',
      `note carries no signature by a known key (${verifiers.map((v) => v.name).join(', ') || 'none given'})`,
    )
  return { ...note, verified, unknown }
}
