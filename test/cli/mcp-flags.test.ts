// `arbiter mcp` refuses unusable flags with exit 2 and a one-line reason, before opening anything.
import { describe, expect, it, onTestFinished } from 'vitest'
import { upstreamEnvironment } from '../../src/adapters/mcp/index.js'
import { runCliCaptured } from '../support/run-cli.js'

const base = ['mcp', '--server-name', 'filesystem', '--data-dir', '/nonexistent/never-opened']

describe('arbiter mcp flags', () => {
  it.each([
    [['--roles', 'analyst', '--', 'node', 'server.js'], '--principal <id> is required'],
    [['--principal', 'u-17', '--roles', 'analyst'], 'no upstream MCP server: give its command after --'],
    [['--principal', '', '--', 'node', 'server.js'], '--principal must be 1-256 characters'],
    [
      ['--principal', 'u-17', '--roles', `a,${'r'.repeat(129)}`, '--', 'node'],
      '--roles must be a comma-separated list',
    ],
    [
      ['--principal', 'u-17', '--upstream-timeout', 'soon', '--', 'node'],
      '--upstream-timeout must be a positive number',
    ],
    [
      ['--principal', 'u-17', '--agent-id', 'x'.repeat(257), '--', 'node'],
      '--agent-id must be 1-256 characters',
    ],
  ])('refuses %j', async (flags, reason) => {
    const run = await runCliCaptured(...base, ...flags)
    expect(run.code).toBe(2)
    expect(run.stderr).toContain(reason)
    expect(run.stderr.trim().split('\n')).toHaveLength(1)
    expect(run.stdout).toBe('')
  })

  it('requires --server-name', async () => {
    const run = await runCliCaptured('mcp', '--principal', 'u-17', '--', 'node')
    expect(run.code).not.toBe(0)
    expect(run.stderr).toContain("required option '--server-name <name>' not specified")
  })

  it('refuses generated keys on PostgreSQL unless told it is a demo', async () => {
    const demo = process.env.ARBITER_ALLOW_GENERATED_KEYS
    delete process.env.ARBITER_ALLOW_GENERATED_KEYS
    onTestFinished(() => {
      if (demo !== undefined) process.env.ARBITER_ALLOW_GENERATED_KEYS = demo
    })
    const run = await runCliCaptured(
      ...base,
      '--principal',
      'u-17',
      '--database-url',
      'postgres://postgres@127.0.0.1:1/never',
      '--',
      'node',
    )
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('PostgreSQL mode needs keys from your secret store')
  })
})

describe('upstreamEnvironment', () => {
  it('withholds the database URL and every ARBITER_ variable from the upstream', () => {
    const env = upstreamEnvironment({
      PATH: '/usr/bin',
      HOME: '/home/u',
      DATABASE_URL: 'postgres://secret@db/ledger',
      ARBITER_REDACTION_KEY: 'k'.repeat(32),
      ARBITER_SIGNING_KEY: '/keys/signing.pem',
      GITHUB_TOKEN: 'for-the-upstream',
    })
    expect(env).toEqual({ PATH: '/usr/bin', HOME: '/home/u', GITHUB_TOKEN: 'for-the-upstream' })
  })
})
