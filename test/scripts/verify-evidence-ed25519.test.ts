import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const scripts = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'scripts')
const python = spawnSync('python3', ['--version']).status === 0
if (!python) console.warn('python3 not found: skipping the evidence verifier tests')

/** Runs a Python snippet with scripts/verify-evidence.py imported as `ve` (its verify-export as `vx`). */
function runPython(code: string) {
  const prelude = [
    'import importlib.util, sys',
    `spec = importlib.util.spec_from_file_location('ve', ${JSON.stringify(join(scripts, 'verify-evidence.py'))})`,
    've = importlib.util.module_from_spec(spec); spec.loader.exec_module(ve); vx = ve.vx',
    'vx.ED25519_NATIVE = None  # the pure-Python RFC 8032 code, not the cryptography package',
  ].join('\n')
  return spawnSync('python3', ['-c', `${prelude}\n${code}`], { encoding: 'utf8' })
}

// RFC 8032 section 7.1, TEST 1-3 (public key, message, signature), from the RFC text.
const rfc8032 = [
  [
    'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    '',
    'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  ],
  [
    '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    '72',
    '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  ],
  [
    'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    'af82',
    '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  ],
] as const

describe.skipIf(!python)('scripts/verify-evidence.py Ed25519 (pure Python, RFC 8032)', () => {
  it('accepts the RFC 8032 section 7.1 test vectors', () => {
    const calls = rfc8032
      .map(
        ([pub, msg, sig]) =>
          `print(vx.ed25519_verify(bytes.fromhex('${pub}'), bytes.fromhex('${msg}'), bytes.fromhex('${sig}')))`,
      )
      .join('\n')
    const run = runPython(calls)
    expect(run.stderr).toBe('')
    expect(run.stdout).toBe('True\nTrue\nTrue\n')
  })

  it('rejects a flipped bit in the message, the signature and the key', () => {
    const [pub, msg, sig] = rfc8032[2]
    const flip = (hex: string, at: number) => {
      const b = Buffer.from(hex, 'hex')
      b[at] = b[at]! ^ 1
      return b.toString('hex')
    }
    const run = runPython(
      [
        [flip(pub, 3), msg, sig],
        [pub, flip(msg, 1), sig],
        [pub, msg, flip(sig, 5)],
        [pub, msg, flip(sig, 40)],
      ]
        .map(
          ([p, m, s]) =>
            `print(vx.ed25519_verify(bytes.fromhex('${p}'), bytes.fromhex('${m}'), bytes.fromhex('${s}')))`,
        )
        .join('\n'),
    )
    expect(run.stdout).toBe('False\nFalse\nFalse\nFalse\n')
  })
})
