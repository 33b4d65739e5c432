import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ensureRedactionKey, ensureSigningKey, loadSigningKey, rawPublicKey } from '../../src/ledger/index.js'

const dirs: string[] = []
const fresh = () => {
  const dir = mkdtempSync(join(tmpdir(), 'arbiter-keys-'))
  dirs.push(dir)
  return dir
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

describe('key files of the embedded default', () => {
  it('generate a signing key once (mode 0600), say so, and load the same key afterwards', () => {
    const dir = fresh()
    const told: string[] = []
    const first = ensureSigningKey(dir, (path) => told.push(path))
    const second = ensureSigningKey(dir, (path) => told.push(path))
    expect(told).toEqual([join(dir, 'signing-key.pem')])
    expect(statSync(told[0]!).mode & 0o777).toBe(0o600)
    expect(rawPublicKey(first).equals(rawPublicKey(second))).toBe(true)
  })

  it('generate a 32-byte hex redaction key once', () => {
    const dir = fresh()
    const told: string[] = []
    const key = ensureRedactionKey(dir, (path) => told.push(path))
    expect(key).toMatch(/^[0-9a-f]{64}$/)
    expect(ensureRedactionKey(dir, (path) => told.push(path))).toBe(key)
    expect(told).toHaveLength(1)
  })

  it('reject a signing key file that is not an Ed25519 PEM, and a malformed redaction key file', () => {
    const dir = fresh()
    writeFileSync(join(dir, 'bad.pem'), 'nope')
    expect(() => loadSigningKey(join(dir, 'bad.pem'))).toThrowWithCode('LEDGER_KEY_INVALID')
    expect(() => loadSigningKey(join(dir, 'missing.pem'))).toThrowWithCode('LEDGER_KEY_INVALID')
    writeFileSync(join(dir, 'redaction-key'), 'short\n')
    expect(() => ensureRedactionKey(dir)).toThrowWithCode('LEDGER_KEY_INVALID')
  })
})
