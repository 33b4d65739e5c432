import { spawnSync } from 'node:child_process'
import { createHash, generateKeyPairSync } from 'node:crypto'
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
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

/** A copy of the unpacked pack with `name`'s bytes edited (null: deleted), the manifest fixed or not. */
function tamperedBytes(
  clean: string,
  name: string,
  edit: (bytes: Buffer) => Buffer | null,
  fixManifest = true,
): string {
  const dir = mkdtempSync(join(tmpdir(), 'arbiter-pack-b-'))
  cpSync(clean, dir, { recursive: true })
  const path = join(dir, name)
  const edited = edit(readFileSync(path))
  if (edited) writeFileSync(path, edited)
  else rmSync(path)
  if (fixManifest) {
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'))
    if (edited) manifest.files[name] = createHash('sha256').update(edited).digest('hex')
    else delete manifest.files[name]
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2))
  }
  return dir
}

/** A bundle as the test stored it (or, for the unarchived one, only named it). */
interface BundleRef {
  readonly sha256: string
  readonly revision: string
}

/**
 * Unpacks `pack` into an empty directory and verifies it there with python3; then tampers with each
 * kind of file in a copy and expects the verifier to fail on it.
 */
export function checkEvidencePack(
  pack: string,
  expected: {
    readonly logVkey: string
    readonly witnessVkey: string
    readonly expectOk: string
    /** In the bundle archive: its bytes must be in the pack as `bundles/<sha256>.tar.gz`. */
    readonly archivedBundle: BundleRef & { readonly bytes: Buffer }
    /** Named by entries but not in the archive: listed with `file: null`. */
    readonly unarchivedBundle: BundleRef
  },
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
  const readmeText = readFileSync(join(clean, 'README.md'), 'utf8')
  expect(readmeText).toContain(`--log-key '${expected.logVkey}'`)

  // The archived bundle's exact bytes are in the pack; the unarchived one is named by SHA-256 only.
  const { archivedBundle: a, unarchivedBundle: u } = expected
  const bundleFile = `bundles/${a.sha256}.tar.gz`
  expect(readdirSync(join(clean, 'bundles')).sort()).toEqual([`${a.sha256}.tar.gz`, 'bundles.json'].sort())
  expect(readFileSync(join(clean, bundleFile)).equals(a.bytes)).toBe(true)
  expect(JSON.parse(readFileSync(join(clean, 'bundles/bundles.json'), 'utf8'))).toEqual([
    { sha256: a.sha256, revision: a.revision, file: bundleFile },
    { sha256: u.sha256, revision: u.revision, file: null },
  ])
  const manifest = JSON.parse(readFileSync(join(clean, 'manifest.json'), 'utf8'))
  expect(manifest.files[bundleFile]).toBe(a.sha256)
  expect(manifest).toMatchObject({ bundlesIncluded: [a.sha256], bundlesMissing: [u.sha256] })
  expect(readmeText).toContain(`- \`${bundleFile}\``)
  expect(readmeText).toContain(`- \`${u.sha256}\` (SHA-256 only)`)
  expect(readmeText).toContain('are not in the bundle archive')

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
      (t) => JSON.stringify(JSON.parse(t).filter((b: BundleRef) => b.sha256 !== u.sha256)),
      /^FAIL: bundles\/bundles.json: bundle abab\w+ named by an entry is not listed/,
    ],
    [
      'bundles/bundles.json',
      'the archived bundle claimed absent (file null) while its file stays',
      (t) => t.replace(`"file": "${bundleFile}"`, '"file": null'),
      new RegExp(`^FAIL: bundles/${a.sha256}.tar.gz: in bundles/ but not a bundle file`),
    ],
    [
      'bundles/bundles.json',
      'the archived bundle pointed at another file',
      (t) => t.replace(`"file": "${bundleFile}"`, '"file": "README.md"'),
      /^FAIL: bundles\/bundles.json: bundle \w+: file must be null or bundles\/<sha256>.tar.gz/,
    ],
  ]
  for (const [name, what, edit, failure, args] of cases) {
    const run = pyVerify(tampered(clean, name, edit), args ?? pins)
    expect({ name, what, status: run.status, out: run.stdout }).toMatchObject({
      status: 1,
      out: expect.stringMatching(failure),
    })
  }
  // The bundle file itself: a byte changed (manifest recomputed as a forger would, or not), removed,
  // or a substitute bundle dropped in beside it.
  const flip = (b: Buffer) => {
    const copy = Buffer.from(b)
    copy[copy.length >> 1]! ^= 0xff
    return copy
  }
  const bundleCases: [string, string, (b: Buffer) => Buffer | null, boolean, RegExp][] = [
    [
      bundleFile,
      'a byte of the archived bundle changed, manifest recomputed',
      flip,
      true,
      new RegExp(`^FAIL: ${bundleFile}: SHA-256 is \\w+, the entries name ${a.sha256.slice(0, 16)}`),
    ],
    [
      bundleFile,
      'a byte of the archived bundle changed',
      flip,
      false,
      new RegExp(`^FAIL: ${bundleFile}: SHA-256 differs from manifest.json`),
    ],
    [
      bundleFile,
      'the archived bundle removed, with its manifest line',
      () => null,
      true,
      new RegExp(`^FAIL: ${bundleFile}: listed in bundles/bundles.json but missing`),
    ],
  ]
  for (const [name, what, edit, fixManifest, failure] of bundleCases) {
    const run = pyVerify(tamperedBytes(clean, name, edit, fixManifest), pins)
    expect({ name, what, status: run.status, out: run.stdout }).toMatchObject({
      status: 1,
      out: expect.stringMatching(failure),
    })
  }
  const substitute = tamperedBytes(clean, bundleFile, (b) => b, true)
  const extra = `bundles/${'cd'.repeat(32)}.tar.gz`
  writeFileSync(join(substitute, extra), flip(a.bytes))
  const listed = JSON.parse(readFileSync(join(substitute, 'manifest.json'), 'utf8'))
  listed.files[extra] = createHash('sha256').update(flip(a.bytes)).digest('hex')
  writeFileSync(join(substitute, 'manifest.json'), JSON.stringify(listed, null, 2))
  expect(pyVerify(substitute, pins).stdout).toMatch(
    new RegExp(`^FAIL: ${extra}: in bundles/ but not a bundle file of bundles/bundles.json`),
  )

  // Damage the manifest does not explain (the README here) is caught by its digests.
  const readme = pyVerify(
    tampered(clean, 'README.md', (t) => `${t}\nextra\n`, false),
    pins,
  )
  expect(readme.stdout).toMatch(/^FAIL: README.md: SHA-256 differs from manifest.json/)
}
