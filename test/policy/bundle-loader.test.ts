import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { create as createTar } from 'tar'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadPolicyEngine, parseBundle, readBundle } from '../../src/policy/index.js'
import { sha256Hex } from '../../src/shared/index.js'
import { buildShipped, makeTempDir, removeDir } from './helpers.js'

let dir: string
let wasm: Buffer
let bundleBytes: Buffer
const manifest = {
  revision: 'r1',
  roots: [''],
  wasm: [{ entrypoint: 'arbiter/decision', module: '/policy.wasm' }],
}

beforeAll(async () => {
  dir = makeTempDir()
  const built = await buildShipped(dir)
  bundleBytes = readFileSync(built.path)
  wasm = (await parseBundle(bundleBytes)).wasm as Buffer
})
afterAll(() => removeDir(dir))

/** Packs the given files (name -> bytes) into a tar.gz, the way a hand-made or tampered bundle would be. */
async function pack(files: Record<string, string | Uint8Array>): Promise<Buffer> {
  const src = makeTempDir('arbiter-bundle-src-')
  try {
    for (const [name, content] of Object.entries(files)) {
      if (content === undefined) continue
      mkdirSync(join(src, name, '..'), { recursive: true })
      writeFileSync(join(src, name), content)
    }
    const out = join(dir, `packed-${Math.random().toString(36).slice(2)}.tar.gz`)
    const names = Object.keys(files).filter((name) => files[name] !== undefined)
    await createTar({ gzip: true, file: out, cwd: src, portable: true }, names)
    return readFileSync(out)
  } finally {
    removeDir(src)
  }
}

const complete = () => ({
  '.manifest': JSON.stringify(manifest),
  'policy.wasm': wasm,
  'data.json': '{"a":1}',
})

describe('parseBundle', () => {
  it('reads an opa-built bundle: manifest, wasm, data and the SHA-256 of the bytes', async () => {
    const contents = await parseBundle(bundleBytes)
    expect(contents.manifest.revision).toBe('test-r1')
    expect(contents.sha256).toBe(sha256Hex(bundleBytes))
    expect(contents.data).toHaveProperty('agents')
    expect(contents.wasm.subarray(0, 4)).toEqual(Buffer.from([0, 0x61, 0x73, 0x6d]))
  })

  it('accepts entries written without a leading slash', async () => {
    const contents = await parseBundle(await pack(complete()))
    expect(contents.manifest.revision).toBe('r1')
    expect(contents.data).toEqual({ a: 1 })
  })

  describe('when the bundle is malformed', () => {
    const cases: Array<[string, () => Promise<Buffer> | Buffer, RegExp]> = [
      ['empty', () => Buffer.alloc(0), /file is empty/],
      ['not gzip', () => Buffer.from('plain text'), /not a readable tar.gz/],
      ['truncated', () => bundleBytes.subarray(0, bundleBytes.length >> 1), /not a readable tar.gz|missing/],
      [
        'missing policy.wasm',
        () => pack({ ...complete(), 'policy.wasm': undefined as never }),
        /missing \/policy.wasm/,
      ],
      ['missing .manifest', () => pack({ 'policy.wasm': wasm, 'data.json': '{}' }), /missing \/.manifest/],
      [
        'missing data.json',
        () => pack({ '.manifest': JSON.stringify(manifest), 'policy.wasm': wasm }),
        /missing \/data.json/,
      ],
      [
        'manifest not JSON',
        () => pack({ ...complete(), '.manifest': '{nope' }),
        /\/.manifest is not valid JSON/,
      ],
      [
        'manifest without revision',
        () => pack({ ...complete(), '.manifest': JSON.stringify({ ...manifest, revision: '' }) }),
        /revision/,
      ],
      [
        'manifest without the entry point',
        () =>
          pack({
            ...complete(),
            '.manifest': JSON.stringify({
              ...manifest,
              wasm: [{ entrypoint: 'x/y', module: '/policy.wasm' }],
            }),
          }),
        /arbiter\/decision entry point/,
      ],
      [
        'data.json an array',
        () => pack({ ...complete(), 'data.json': '[1]' }),
        /data.json must be a JSON object/,
      ],
      [
        'policy.wasm not wasm',
        () => pack({ ...complete(), 'policy.wasm': 'MZ not wasm at all' }),
        /not a WebAssembly module/,
      ],
    ]
    it.each(cases)('rejects %s with POLICY_BUNDLE_INVALID', async (_name, bytes, message) => {
      const input = await bytes()
      await expect(parseBundle(input)).rejects.toThrowWithCode('POLICY_BUNDLE_INVALID')
      await expect(parseBundle(input)).rejects.toThrow(message)
    })
  })
})

describe('readBundle', () => {
  it('rejects a missing file with POLICY_BUNDLE_UNREADABLE', async () => {
    await expect(readBundle(join(dir, 'absent.tar.gz'))).rejects.toThrowWithCode('POLICY_BUNDLE_UNREADABLE')
  })
})

describe('loadPolicyEngine on a bundle whose policy.wasm is unusable', () => {
  it.each([
    // The right magic number and version (what parseBundle checks), then bytes no section starts with.
    ['a WebAssembly header over garbage', () => Buffer.concat([wasm.subarray(0, 8), Buffer.from('garbage')])],
    ['a truncated module', () => wasm.subarray(0, wasm.length >> 1)],
  ])('refuses %s with POLICY_WASM_INVALID', async (_what, bytes) => {
    const path = join(dir, `bad-wasm-${Math.random().toString(36).slice(2)}.tar.gz`)
    writeFileSync(path, await pack({ ...complete(), 'policy.wasm': bytes() }))
    const loading = loadPolicyEngine({ bundlePath: path, workers: 1 })
    await expect(loading).rejects.toThrowWithCode('POLICY_WASM_INVALID')
    await expect(loading).rejects.toThrow(/policy\.wasm failed to load/)
  })
})
