import { spawnSync } from 'node:child_process'
import { createHash, generateKeyPairSync } from 'node:crypto'
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'vitest'
import { cosignerKeyOf, ed25519VerifierKey, hashEntry, type UnhashedEntry } from '../../src/ledger/index.js'

/** Runs the pack's own verifier copy with python3 in `dir` (nothing else on the path). */
function pyVerify(dir: string, args: readonly string[]) {
  return spawnSync('python3', ['tools/verify-evidence.py', '.', '--pure-python', ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
  })
}

/** A copy of the unpacked pack with `name` edited, and its manifest digest updated as a forger would. */
function tampered(clean: string, name: string, edit: (text: string) => string, fixManifest = true): string {
  const dir = mkdtempSync(join(tmpdir(), 'arbiter-pack-t-'))
  cpSync(clean, dir, { recursive: true })
  const path = join(dir, name)
  writeFileSync(path, edit(readFileSync(path, 'utf8')))
  if (fixManifest) {
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'))
    manifest.files[name] = createHash('sha256').update(readFileSync(path)).digest('hex')
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2))
  }
  return dir
}

/**
 * Unpacks `pack` into an empty directory and verifies it there with python3; then tampers with each
 * kind of file in a copy and expects the verifier to fail on it.
 */
export function checkEvidencePack(
  pack: string,
  expected: { readonly logVkey: string; readonly witnessVkey: string; readonly expectOk: string },
): void {
  const clean = mkdtempSync(join(tmpdir(), 'arbiter-pack-'))
  expect(spawnSync('tar', ['-xzf', pack, '-C', clean]).status).toBe(0)
  expect(readdirSync(clean).sort()).toEqual([
    'README.md',
    'bundles',
    'checkpoint.txt',
    'entries.jsonl',
    'keys',
    'manifest.json',
    'proofs.jsonl',
    'tools',
  ])
  const pins = ['--log-key', expected.logVkey, '--witness-key', expected.witnessVkey, '--quorum', '1']
  const ok = pyVerify(clean, pins)
  expect(ok.stderr).toBe('')
  expect(ok.stdout.trim()).toBe(expected.expectOk)
  expect(ok.status).toBe(0)
  // The README names the exact command, with these keys.
  expect(readFileSync(join(clean, 'README.md'), 'utf8')).toContain(`--log-key '${expected.logVkey}'`)

  const { privateKey: other } = generateKeyPairSync('ed25519')
  const cases: [string, string, (t: string) => string, RegExp, (readonly string[])?][] = [
    [
      'entries.jsonl',
      'an edited body',
      (t) => t.replace('"i":5}', '"i":50}'),
      /^FAIL: entries.jsonl: seq 5: hash does not match/,
    ],
    [
      'entries.jsonl',
      'an edited body with its hash recomputed',
      (t) =>
        t
          .split('\n')
          .map((line) => {
            if (!line.includes('"i":5}')) return line
            const e = JSON.parse(line.replace('"i":5}', '"i":50}'))
            const { hash: _old, ...unhashed } = e
            return JSON.stringify({ ...e, hash: hashEntry(unhashed as UnhashedEntry) })
          })
          .join('\n'),
      /^FAIL: (entries.jsonl: seq 6 does not follow|proofs.jsonl: seq 5: inclusion proof)/,
    ],
    [
      'entries.jsonl',
      'a dropped entry',
      (t) =>
        t
          .split('\n')
          .filter((l) => !l.includes('"i":7}'))
          .join('\n'),
      /^FAIL: (entries|proofs).jsonl/,
    ],
    [
      'proofs.jsonl',
      'a changed proof hash',
      (t) => t.replace(/"hashes":\["[^"]{8}/, '"hashes":["AAAAAAAA'),
      /^FAIL: proofs.jsonl: seq 3: inclusion proof does not lead/,
    ],
    [
      'checkpoint.txt',
      'a changed tree size',
      (t) => t.replace('\n20\n', '\n21\n'),
      /^FAIL: checkpoint.txt: no valid signature from the log key/,
    ],
    [
      'checkpoint.txt',
      'the cosignature removed',
      (t) =>
        t
          .split('\n')
          .filter((l) => !l.startsWith('\u2014 witness.test/'))
          .join('\n'),
      /^FAIL: checkpoint.txt: 0 valid cosignatures/,
    ],
    [
      'keys/log.vkey',
      "another log key (unpinned: the pack's keys are used)",
      () => `${ed25519VerifierKey('arbiter/intact', other)}\n`,
      /^FAIL: checkpoint.txt: no valid signature from the log key/,
      [],
    ],
    [
      'keys/witnesses.vkeys',
      "another witness key (unpinned: the pack's keys are used)",
      () => `${cosignerKeyOf('witness.test/w1', other).vkey}\n`,
      /^FAIL: checkpoint.txt: 0 valid cosignatures/,
      [],
    ],
    [
      'bundles/bundles.json',
      'a changed bundle digest',
      (t) => t.replace('abab', 'cdcd'),
      /^FAIL: bundles\/bundles.json/,
    ],
    [
      'bundles/bundles.json',
      'a bundle left out',
      () => '[]\n',
      /^FAIL: bundles\/bundles.json: bundle abab\w+ named by an entry is not listed/,
    ],
  ]
  for (const [name, what, edit, failure, args] of cases) {
    const run = pyVerify(tampered(clean, name, edit), args ?? pins)
    expect({ name, what, status: run.status, out: run.stdout }).toMatchObject({
      status: 1,
      out: expect.stringMatching(failure),
    })
  }
  // Damage the manifest does not explain (the README here) is caught by its digests.
  const readme = pyVerify(
    tampered(clean, 'README.md', (t) => `${t}\nextra\n`, false),
    pins,
  )
  expect(readme.stdout).toMatch(/^FAIL: README.md: SHA-256 differs from manifest.json/)
}
