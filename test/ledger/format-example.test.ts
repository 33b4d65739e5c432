import { spawnSync } from 'node:child_process'
import { createPrivateKey, createPublicKey } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  checkCheckpointSignature,
  entryCanonicalText,
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
    body: {
      ...bundle,
      previous_sha256: null,
      reason: 'start',
      source: 'build/bundle.tar.gz',
      loaded_by: { process: 'arbiter serve', host: 'app-1', pid: 4711 },
    },
    prev: GENESIS_PREV,
  })
  const e2 = linkEntry({
    chain: 'default',
    seq: 2,
    ts: '2026-11-23T19:40:02.456Z',
    type: 'decision',
    body: {
      decision_id: 'd-7f3a',
      input: {
        tool: { name: 'payments.transfer', kind: 'client' },
        arguments: args,
        agent: { id: 'fin-assistant', runtime: 'anthropic-messages' },
        principal: { id: 'emp-204', roles: ['payments_officer'] },
        session: { id: 's-1' },
        context: { time: '2026-11-23T19:40:02.455Z' },
      },
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
    expect(e1.hash).toBe('45918fd6eda14157b6d5163aa7b1e5bbbd115ceca485bf4a1c71328e1d16feed')
    expect(e2.hash).toBe('8b95ad39c705d304bfa3dabcc38c18334aec56fd71f04e6239587bd9822d8a97')
  })

  it('is shown in the document byte for byte (canonical texts, export lines)', () => {
    const doc = readFileSync(join(repoRoot, 'docs', 'ledger-format.md'), 'utf8').split('\n')
    for (const line of [entryCanonicalText(e1), entryCanonicalText(e2), toJsonLine(e1), toJsonLine(e2)])
      expect(doc).toContain(line)
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
      sig: 'UmllCbkzYILgDNOOV7FEZMFUApg8j0EEIxWXR4i7re537/mxzR5IFObMxGTGaQqs5YuH7cwDIB7yCJ4Bxu/DCQ==',
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
