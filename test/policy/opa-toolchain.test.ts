import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildBundle, pinnedOpaPath, resolveOpaBinary } from '../../src/policy/index.js'
import { makeTempDir, removeDir } from './helpers.js'

let dir: string
beforeAll(() => {
  dir = makeTempDir('arbiter-opa-')
})
afterAll(() => removeDir(dir))

describe('resolveOpaBinary', () => {
  it('builds or reuses the version pinned in tools/opa/go.mod', () => {
    const opa = resolveOpaBinary({ env: { ...process.env, OPA_BIN: '' }, quiet: true })
    expect(opa).toBe(pinnedOpaPath)
    expect(execFileSync(opa, ['version'], { encoding: 'utf8' })).toMatch(/^Version: 1\.22\.3$/m)
  })

  it('uses OPA_BIN when set', () => {
    const fake = join(dir, 'opa')
    writeFileSync(fake, '')
    expect(resolveOpaBinary({ env: { OPA_BIN: fake } })).toBe(fake)
  })

  it('throws POLICY_OPA_UNAVAILABLE when OPA_BIN points nowhere', () => {
    expect(() => resolveOpaBinary({ env: { OPA_BIN: join(dir, 'missing-opa') } })).toThrowWithCode(
      'POLICY_OPA_UNAVAILABLE',
    )
  })
})

describe('buildBundle', () => {
  it('throws POLICY_OPA_UNAVAILABLE when the opa binary cannot run', async () => {
    await expect(
      buildBundle({ opaBin: join(dir, 'no-such-opa'), outPath: join(dir, 'b.tar.gz'), revision: 'r' }),
    ).rejects.toThrowWithCode('POLICY_OPA_UNAVAILABLE')
  })
})
