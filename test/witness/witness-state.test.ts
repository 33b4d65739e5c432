import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { acquireDataDirLock, parseWitnessedLog, WitnessStateFile } from '../../src/witness/index.js'

const cp = (size: number) => ({
  size,
  root: Buffer.alloc(32, size).toString('base64'),
  note: `n${size}`,
  cosignature: `c${size}`,
})

describe('WitnessStateFile', () => {
  it('persists each update before resolving, by rename (no temporary file left behind)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'arbiter-wstate-'))
    const state = WitnessStateFile.open(dir)
    expect(await state.update('o', () => ({ next: cp(3), result: 'ok' }))).toBe('ok')
    expect(JSON.parse(readFileSync(join(dir, 'witness-state.json'), 'utf8')).logs.o.size).toBe(3)
    expect(readdirSync(dir)).toEqual(['witness-state.json'])
    expect(WitnessStateFile.open(dir).latest('o')).toEqual(cp(3))
  })

  it('runs updates one after another: each sees the state the previous one wrote', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'arbiter-wstate-'))
    const state = WitnessStateFile.open(dir)
    const seen: number[] = []
    await Promise.all(
      [1, 2, 3, 4].map((n) =>
        state.update('o', (current) => {
          seen.push(current?.size ?? 0)
          return { next: cp((current?.size ?? 0) + n), result: null }
        }),
      ),
    )
    expect(seen).toEqual([0, 1, 3, 6])
    expect(state.latest('o')?.size).toBe(10)
  })

  it('keeps the old state when a decision throws (nothing half-written)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'arbiter-wstate-'))
    const state = WitnessStateFile.open(dir)
    await state.update('o', () => ({ next: cp(5), result: null }))
    await expect(
      state.update('o', () => {
        throw new Error('boom')
      }),
    ).rejects.toThrow('boom')
    expect(WitnessStateFile.open(dir).latest('o')?.size).toBe(5)
  })

  it('refuses a malformed state file with WITNESS_STATE_INVALID', () => {
    const dir = mkdtempSync(join(tmpdir(), 'arbiter-wstate-'))
    writeFileSync(join(dir, 'witness-state.json'), '{"version":1,"logs":{"o":{"size":-1}}}')
    expect(() => WitnessStateFile.open(dir)).toThrowWithCode('WITNESS_STATE_INVALID')
    writeFileSync(join(dir, 'witness-state.json'), 'not json')
    expect(() => WitnessStateFile.open(dir)).toThrowWithCode('WITNESS_STATE_INVALID')
  })
})

describe('acquireDataDirLock', () => {
  it('keeps a second live process off the directory, and takes over a dead one’s lock', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'arbiter-wlock-'))
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'])
    writeFileSync(join(dir, 'witness.lock'), `${child.pid}\n`)
    expect(() => acquireDataDirLock(dir)).toThrowWithCode('WITNESS_STATE_INVALID')
    child.kill('SIGKILL')
    await new Promise((resolve) => child.once('exit', resolve))
    const release = acquireDataDirLock(dir)
    expect(readFileSync(join(dir, 'witness.lock'), 'utf8')).toBe(`${process.pid}\n`)
    release()
    expect(readdirSync(dir)).toEqual([])
  })
})

describe('parseWitnessedLog', () => {
  it('refuses a malformed --log with WITNESS_KEY_INVALID', () => {
    for (const bad of ['', 'x=', '=arbiter/default+00000000+AQ', 'arbiter/default'])
      expect(() => parseWitnessedLog(bad)).toThrowWithCode('WITNESS_KEY_INVALID')
  })
})
