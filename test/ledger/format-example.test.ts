import { spawnSync } from 'node:child_process'
import { createPrivateKey, createPublicKey } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  checkCheckpointSignature,
  GENESIS_PREV,
  linkEntry,
  redactArguments,
  signCheckpoint,
  toJsonLine,
} from '../../src/ledger/index.js'
import { canonicalJson } from '../../src/shared/index.js'
import { repoRoot } from './support.js'

// The worked example of docs/ledger-format.md, pinned: if hashing or signing changes, this fails and
// the document must be regenerated with it.
const bundle = { revision: 'r42', sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' }
const exampleKey = createPrivateKey({
  key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.alloc(32, 1)]),
  format: 'der',
  type: 'pkcs8',
})

describe('docs/ledger-format.md worked example', () => {
  const args = redactArguments(
    { account: 'ACME-001', amount: 250.5, card: { number: '4111111111111111' } },
    ['/card/number'],
    'example-redaction-key',
  )
  const e1 = linkEntry({
    chain: 'default',
    seq: 1,
    ts: '2026-11-23T19:40:01.123Z',
    type: 'policy_loaded',
    body: bundle,
    prev: GENESIS_PREV,
  })
  const e2 = linkEntry({
    chain: 'default',
    seq: 2,
    ts: '2026-11-23T19:40:02.456Z',
    type: 'decision',
    body: {
      decision_id: 'd-7f3a',
      input: { tool: { name: 'payments.transfer' }, arguments: args },
      action: 'allow',
      reasons: [],
      redacted: ['/card/number'],
      bundle,
      duration_us: 180,
    },
    prev: e1.hash,
  })

  it('has the documented hashes and redaction marker', () => {
    expect(args.card.number).toEqual({
      redacted: 'hmac-sha256:3fa4f1e0bdcbf637da61c195821f7a8a8ad5c6cf6993d25d8ba9494e96e9584e',
    })
    expect(e1.hash).toBe('79bc2876c327a26cbef128568134803f0fcff44548005034803db02bbe5a0a0d')
    expect(e2.hash).toBe('812925e93daf5369c30c8683da05c00397e06eef4af190573d93d27b41783c0f')
  })

  it('has the documented checkpoint', () => {
    const cp = signCheckpoint(
      { chain: 'default', seq: 2, hash: e2.hash, ts: '2026-11-23T19:41:00.000Z' },
      exampleKey,
    )
    expect(cp).toEqual({
      chain: 'default',
      seq: 2,
      hash: e2.hash,
      ts: '2026-11-23T19:41:00.000Z',
      key_id: '34750f98bd59fcfc',
      sig: '4yIscUjymWYEig8rXyaLCyUzN9zpZvLO2Mm+hBRX9lZATt3x3sRMP3GlqblVnBt6+/XJC0IYvLuGmkX2ZPmUAg==',
      public_key: 'iojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83SIAbQPb1w=',
    })
    expect(checkCheckpointSignature(cp)).toBeNull()
  })

  const cp = signCheckpoint(
    { chain: 'default', seq: 2, hash: e2.hash, ts: '2026-11-23T19:41:00.000Z' },
    exampleKey,
  )
  const exported = [
    canonicalJson({ checkpoint: cp }),
    toJsonLine(e1),
    toJsonLine(e2),
    canonicalJson({ export_end: { checkpoints: 1, entries: 2, exported_at: '2026-11-23T19:42:00.000Z' } }),
  ].map((line) => `${line}\n`)

  it('has the documented export', () => {
    const doc = readFileSync(join(repoRoot, 'docs', 'ledger-format.md'), 'utf8')
    expect(doc).toContain(`\`\`\`\n${exported.join('')}\`\`\``)
  })

  it.skipIf(spawnSync('python3', ['--version']).status !== 0)('verifies with the independent script', () => {
    const dir = mkdtempSync(join(tmpdir(), 'arbiter-example-'))
    const pub = join(dir, 'example.pub.pem')
    writeFileSync(pub, createPublicKey(exampleKey).export({ format: 'pem', type: 'spki' }))
    try {
      for (const extra of [[], ['--pure-python']]) {
        const run = spawnSync(
          'python3',
          [join(repoRoot, 'scripts', 'verify-export.py'), '--trusted-key', pub, ...extra, '-'],
          {
            input: exported.join(''),
            encoding: 'utf8',
          },
        )
        expect(run.stdout).toBe(`ok: default 2 entries, head ${e2.hash}\n`)
        expect(run.status).toBe(0)
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
