import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseCosignerVkey } from '../../src/ledger/index.js'
import { runCliCaptured } from '../support/run-cli.js'

describe('arbiter witness (flags)', () => {
  it('--vkey prints the same verifier key each time (key generated once in --data-dir)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'arbiter-wcli-'))
    const first = await runCliCaptured('witness', '--data-dir', dir, '--name', 'w.example/1', '--vkey')
    const second = await runCliCaptured('witness', '--data-dir', dir, '--name', 'w.example/1', '--vkey')
    expect(first.code).toBe(0)
    expect(parseCosignerVkey(first.stdout.trim()).name).toBe('w.example/1')
    expect(second.stdout).toBe(first.stdout)
  })

  it.each([
    [['--port', '70000', '--log', 'x'], '--port must be 0-65535'],
    [[], '--log <origin>=<vkey> is required'],
    [['--log', 'arbiter/default+00000000+AQ'], '[WITNESS_KEY_INVALID]'],
  ])('refuses %j with one line and a non-zero exit', async (args, reason) => {
    const dir = mkdtempSync(join(tmpdir(), 'arbiter-wcli-'))
    const run = await runCliCaptured('witness', '--data-dir', dir, ...args)
    expect(run.code).not.toBe(0)
    expect(run.stderr).toContain(reason)
    expect(run.stderr.trim().split('\n')).toHaveLength(1)
  })
})
