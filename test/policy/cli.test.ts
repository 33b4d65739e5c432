import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BuiltBundle } from '../../src/policy/index.js'
import { buildShipped, fixturePolicies, makeTempDir, removeDir, toolCall } from './helpers.js'

const entry = fileURLToPath(new URL('./cli-entry.ts', import.meta.url))
let dir: string
let bundle: BuiltBundle

beforeAll(async () => {
  dir = makeTempDir('arbiter-cli-')
  bundle = await buildShipped(dir)
})
afterAll(() => removeDir(dir))

function arbiter(args: string[], options: { stdin?: string; env?: Record<string, string> } = {}) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', entry, ...args], {
    input: options.stdin ?? '',
    encoding: 'utf8',
    env: { ...process.env, ARBITER_BUNDLE: '', ...options.env },
    timeout: 60_000,
  })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

const write = (name: string, content: string): string => {
  const path = join(dir, name)
  writeFileSync(path, content)
  return path
}

const search = toolCall('web.search', { query: 'euro exchange rate' })

describe('arbiter decide', () => {
  it('prints the decision and the bundle revision and exits 0', () => {
    const input = write('call.json', JSON.stringify(search))
    const { status, stdout, stderr } = arbiter(['decide', '--input', input, '--bundle', bundle.path])
    expect(stderr).toBe('')
    expect(status).toBe(0)
    expect(JSON.parse(stdout)).toEqual({
      decision: {
        action: 'allow',
        reasons: [
          { rule: 'common.tool_allowlist', message: 'tool web.search is allowed for agent fin-assistant' },
        ],
        redact: [],
        redact_input: [],
      },
      bundle: { revision: 'test-r1', sha256: bundle.sha256 },
    })
  })

  it('reads stdin with --input - and finds the bundle through ARBITER_BUNDLE', () => {
    const call = toolCall('payments.transfer', {
      amount: 5e6,
      currency: 'USD',
      to_account: '1',
      counterparty: 'X',
    })
    const { status, stdout } = arbiter(['decide', '--input', '-'], {
      stdin: JSON.stringify(call),
      env: { ARBITER_BUNDLE: bundle.path },
    })
    expect(status).toBe(0)
    const out = JSON.parse(stdout)
    expect(out.decision.action).toBe('deny')
    expect(out.decision.reasons.map((r: { rule: string }) => r.rule)).toEqual(['fintech.transfer_limit'])
    expect(out.bundle.sha256).toBe(bundle.sha256)
  })

  it('--at re-evaluates as of a given time', () => {
    const order = toolCall(
      'trading.place_order',
      { symbol: 'MSFT', side: 'buy', quantity: 1 },
      { roles: ['trader'] },
    )
    const input = write('order.json', JSON.stringify(order))
    const decide = (at: string) =>
      JSON.parse(arbiter(['decide', '--input', input, '--bundle', bundle.path, '--at', at]).stdout).decision
    expect(decide('2026-11-25T15:00:00Z').action).toBe('allow')
    expect(decide('2026-11-25T10:00:00-05:00').action).toBe('allow') // 15:00 UTC
    expect(decide('2026-11-28T15:00:00Z').reasons).toEqual([
      expect.objectContaining({
        rule: 'fintech.trading_hours',
        message: expect.stringContaining('2026-11-28T15:00:00.000Z'),
      }),
    ])
  })

  const failures: Array<[string, () => string[], number, RegExp]> = [
    ['bad JSON', () => ['--input', write('bad.json', '{"tool": ')], 2, /^arbiter: input is not valid JSON: /],
    [
      'an input that is not a tool call',
      () => ['--input', write('wrong.json', JSON.stringify({ ...search, agent: {} }))],
      2,
      /^arbiter: invalid tool call input: agent\.id: /,
    ],
    ['a missing input file', () => ['--input', join(dir, 'absent.json')], 2, /^arbiter: cannot read input /],
    [
      'a bad --at time',
      () => ['--input', write('ok0.json', JSON.stringify(search)), '--at', 'yesterday'],
      2,
      /^arbiter: --at must be an RFC 3339 time/,
    ],
    [
      'a corrupt bundle',
      () => ['--input', write('ok.json', JSON.stringify(search)), '--bundle', write('bad.tar.gz', 'garbage')],
      3,
      /^arbiter: invalid policy bundle: .*\[POLICY_BUNDLE_INVALID\]$/,
    ],
    [
      'a missing bundle',
      () => ['--input', write('ok2.json', JSON.stringify(search)), '--bundle', join(dir, 'none.tar.gz')],
      3,
      /^arbiter: cannot read policy bundle .*\[POLICY_BUNDLE_UNREADABLE\]$/,
    ],
  ]
  it.each(failures)('fails on %s with one line on stderr', (_name, args, code, message) => {
    const given = args()
    const withBundle = given.includes('--bundle') ? given : [...given, '--bundle', bundle.path]
    const { status, stdout, stderr } = arbiter(['decide', ...withBundle])
    expect(status).toBe(code)
    expect(stdout).toBe('')
    expect(stderr.trimEnd().split('\n')).toHaveLength(1)
    expect(stderr.trimEnd()).toMatch(message)
  })
})

describe('arbiter policy', () => {
  it('build --out writes a loadable bundle and reports its revision', () => {
    const out = join(dir, 'cli', 'bundle.tar.gz')
    const { status, stdout } = arbiter(['policy', 'build', '--out', out])
    expect(status).toBe(0)
    expect(stdout).toMatch(/^built .*bundle\.tar\.gz revision=\S+ sha256=[0-9a-f]{64}\n$/)
    expect(readFileSync(out).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]))
  })

  it('build --quiet prints nothing', () => {
    const out = join(dir, 'quiet.tar.gz')
    const { status, stdout } = arbiter(['policy', 'build', '--quiet', '--out', out])
    expect(status).toBe(0)
    expect(stdout).toBe('')
    expect(existsSync(out)).toBe(true)
  })

  it('build fails with one line naming the parse error', () => {
    const source = fixturePolicies('syntax-error')
    const { status, stderr } = arbiter([
      'policy',
      'build',
      '--policies',
      source,
      '--out',
      join(dir, 'x.tar.gz'),
    ])
    expect(status).toBe(1)
    expect(stderr.trimEnd().split('\n')).toHaveLength(1)
    expect(stderr).toMatch(/^arbiter: opa build failed: .*rego_parse_error.*\[POLICY_BUILD_FAILED\]$/m)
    expect(existsSync(join(dir, 'x.tar.gz'))).toBe(false)
  })

  it('test reports unformatted files and failing tests, and exits 1', () => {
    const { status, stdout, stderr } = arbiter(['policy', 'test', '--policies', fixturePolicies('failing')])
    expect(status).toBe(1)
    expect(stdout).toMatch(
      /^FAIL opa fmt --list --fail .*\nnot formatted \(fix with opa fmt -w\):\n.*failing\.rego$/m,
    )
    expect(stdout).toMatch(/^ok {3}opa check --strict /m)
    expect(stdout).toMatch(/^FAIL opa test /m)
    expect(stdout).toMatch(/test_decision_denies: FAIL/)
    expect(stderr).toBe('arbiter: policy checks failed: fmt, test\n')
  })

  it('test runs fmt, check and the Rego unit tests', () => {
    const { status, stdout } = arbiter(['policy', 'test'])
    expect(status).toBe(0)
    expect(stdout).toMatch(/^ok {3}opa fmt --list --fail /m)
    expect(stdout).toMatch(/^ok {3}opa check --strict /m)
    expect(stdout).toMatch(/^ok {3}opa test /m)
    expect(stdout).toMatch(/^PASS: \d+\/\d+$/m)
  })
})
