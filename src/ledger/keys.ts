import { createPrivateKey, generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { LedgerError } from './errors.js'

/**
 * Loads the Ed25519 checkpoint signing key from a PEM file (`ARBITER_SIGNING_KEY`).
 *
 * @throws {LedgerError} LEDGER_KEY_INVALID when the file is missing or not an Ed25519 private key.
 * @example
 * const key = loadSigningKey('/etc/arbiter/signing-key.pem')
 */
export function loadSigningKey(path: string): KeyObject {
  let key: KeyObject
  try {
    key = createPrivateKey(readFileSync(path, 'utf8'))
  } catch (error) {
    throw new LedgerError('LEDGER_KEY_INVALID', `cannot read signing key ${path}: not a PEM private key`, {
      cause: error,
    })
  }
  if (key.asymmetricKeyType !== 'ed25519')
    throw new LedgerError(
      'LEDGER_KEY_INVALID',
      `signing key ${path} must be ed25519, got ${key.asymmetricKeyType}`,
    )
  return key
}

/**
 * Loads `<dataDir>/signing-key.pem`, generating it (mode 0600) on first use for the embedded default.
 * `onGenerated` is told the path so the caller can say that a key was created.
 *
 * @throws {LedgerError} LEDGER_KEY_INVALID
 * @example
 * const key = ensureSigningKey('./.arbiter', (path) => log.warn({ path }, 'generated a checkpoint signing key'))
 */
export function ensureSigningKey(dataDir: string, onGenerated?: (path: string) => void): KeyObject {
  const path = join(dataDir, 'signing-key.pem')
  if (!existsSync(path)) {
    const { privateKey } = generateKeyPairSync('ed25519')
    if (createExclusive(path, privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()))
      onGenerated?.(path)
  }
  return loadSigningKey(path)
}

/**
 * Loads `<dataDir>/redaction-key` (hex), generating 32 random bytes (mode 0600) on first use for the
 * embedded default when `ARBITER_REDACTION_KEY` is not set.
 *
 * @example
 * const key = ensureRedactionKey('./.arbiter', (path) => log.warn({ path }, 'generated a redaction key'))
 */
export function ensureRedactionKey(dataDir: string, onGenerated?: (path: string) => void): string {
  const path = join(dataDir, 'redaction-key')
  if (!existsSync(path)) {
    if (createExclusive(path, `${randomBytes(32).toString('hex')}\n`)) onGenerated?.(path)
  }
  const key = readFileSync(path, 'utf8').trim()
  if (!/^[0-9a-f]{64}$/.test(key))
    throw new LedgerError('LEDGER_KEY_INVALID', `redaction key file ${path} is malformed`)
  return key
}

/** Writes a new secret file (mode 0600) unless another process created it first; true when we did. */
function createExclusive(path: string, content: string): boolean {
  mkdirSync(dirname(path), { recursive: true })
  try {
    writeFileSync(path, content, { mode: 0o600, flag: 'wx' })
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw new LedgerError('LEDGER_KEY_INVALID', `cannot create key file ${path}: ${String(error)}`, {
      cause: error,
    })
  }
}
