import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { type CosignerKey, cosignerKeyOf, WitnessError } from '../ledger/index.js'

/** The witness's signing identity: its key name, private key and public cosigner key. */
export interface WitnessIdentity {
  readonly name: string
  readonly privateKey: KeyObject
  readonly publicKey: CosignerKey
}

/**
 * Loads `<dataDir>/witness-key.pem` (Ed25519, PKCS#8), generating it (mode 0600) on first start.
 * The key never leaves the witness's own directory; its verifier key is `publicKey.vkey`.
 *
 * @throws {WitnessError} WITNESS_KEY_INVALID when the file is not an Ed25519 private key or the name is bad.
 * @example
 * const me = loadWitnessIdentity('./witness-data', 'witness.example/w1')
 * console.log(me.publicKey.vkey)
 */
export function loadWitnessIdentity(dataDir: string, name: string): WitnessIdentity {
  const path = join(dataDir, 'witness-key.pem')
  mkdirSync(dataDir, { recursive: true })
  try {
    const { privateKey } = generateKeyPairSync('ed25519')
    writeFileSync(path, privateKey.export({ format: 'pem', type: 'pkcs8' }), { flag: 'wx', mode: 0o600 })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  }
  let privateKey: KeyObject
  try {
    privateKey = createPrivateKey(readFileSync(path, 'utf8'))
  } catch (error) {
    throw new WitnessError('WITNESS_KEY_INVALID', `cannot read witness key ${path}: not a PEM private key`, {
      cause: error,
    })
  }
  return { name, privateKey, publicKey: cosignerKeyOf(name, privateKey) }
}
