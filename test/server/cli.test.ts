import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCliCaptured } from '../support/run-cli.js'

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..')

const cli = runCliCaptured

describe('arbiter keys', () => {
  let dataDir: string

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'arbiter-keys-'))
  })

  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('creates a key printed once, lists it without the secret, and revokes it', async () => {
    const created = await cli(
      'keys',
      'create',
      '--role',
      'approver',
      '--name',
      'Alice Officer',
      '--principal',
      'alice',
      '--roles',
      'payments_officer, compliance_officer',
      '--data-dir',
      dataDir,
    )
    expect(created.code).toBe(0)
    const key = created.stdout.trim()
    expect(key).toMatch(/^arb_[A-Za-z0-9_-]{43}$/)
    expect(created.stderr).toContain('not shown again')

    const listed = await cli('keys', 'list', '--json', '--data-dir', dataDir)
    const keys = JSON.parse(listed.stdout) as { keyId: string; principalId: string; roles: string[] }[]
    expect(keys).toHaveLength(1)
    expect(keys[0]).toMatchObject({ principalId: 'alice', roles: ['payments_officer', 'compliance_officer'] })
    expect(listed.stdout).not.toContain(key)

    const revoked = await cli('keys', 'revoke', keys[0]!.keyId, '--data-dir', dataDir)
    expect(revoked.stdout).toContain(`revoked ${keys[0]!.keyId}`)
    const table = await cli('keys', 'list', '--data-dir', dataDir)
    expect(table.stdout).toMatch(
      /approver\talice\talice\tpayments_officer,compliance_officer\t-\t-\tno\t\S+\trevoked /,
    )
  })

  it('binds an agent key to its identity, the principals it acts for and the roles it may claim', async () => {
    const created = await cli(
      'keys',
      'create',
      '--role',
      'agent',
      '--identity',
      'fin-assistant',
      '--act-for',
      'emp-101,emp-204',
      '--assert-roles',
      'teller',
      '--data-dir',
      dataDir,
    )
    expect(created.code).toBe(0)
    expect(created.stderr).toContain('as fin-assistant for fin-assistant')
    const portal = await cli(
      'keys',
      'create',
      '--role',
      'agent',
      '--identity',
      'support-portal',
      '--front-end',
      '--assert-roles',
      'teller,payments_officer',
      '--data-dir',
      dataDir,
    )
    expect(portal.stderr).toContain('(front end)')
    const listed = JSON.parse((await cli('keys', 'list', '--json', '--data-dir', dataDir)).stdout) as {
      identity: string
    }[]
    expect(listed.filter((k) => k.identity !== 'alice')).toMatchObject([
      {
        identity: 'fin-assistant',
        principalId: 'fin-assistant',
        actFor: ['emp-101', 'emp-204'],
        assertRoles: ['teller'],
        frontEnd: false,
      },
      { identity: 'support-portal', actFor: [], assertRoles: ['teller', 'payments_officer'], frontEnd: true },
    ])
    const table = (await cli('keys', 'list', '--data-dir', dataDir)).stdout
    expect(table.split('\n')[0]).toBe(
      'id\trole\tidentity\tprincipal\troles\tact_for\tassert_roles\tfront_end\tcreated\tstate\tname',
    )
    expect(table).toMatch(/\tagent\tsupport-portal\tsupport-portal\t-\t-\tteller,payments_officer\tyes\t/)
  })

  it('refuses a binding the role cannot hold, and malformed ids, with exit 2', async () => {
    const approverFrontEnd = await cli(
      'keys',
      'create',
      '--role',
      'approver',
      '--front-end',
      '--data-dir',
      dataDir,
    )
    expect(approverFrontEnd.code).toBe(2)
    expect(approverFrontEnd.stderr).toBe(
      'arbiter: an approver key cannot act for other principals (only agent and admin keys ask for decisions)\n',
    )
    const rolesAlone = await cli(
      'keys',
      'create',
      '--role',
      'agent',
      '--assert-roles',
      'teller',
      '--data-dir',
      dataDir,
    )
    expect(rolesAlone.code).toBe(2)
    expect(rolesAlone.stderr).toContain('--act-for or --front-end')
    const badId = await cli(
      'keys',
      'create',
      '--role',
      'agent',
      '--identity',
      'fin assistant',
      '--data-dir',
      dataDir,
    )
    expect(badId.code).toBe(2)
    expect(badId.stderr).toContain('--identity')
  })

  it('fails with one line and exit 2 for a bad role or an unknown id', async () => {
    const badRole = await cli('keys', 'create', '--role', 'root', '--data-dir', dataDir)
    expect(badRole.code).toBe(2)
    expect(badRole.stderr).toBe('arbiter: --role must be agent, auditor, approver or admin (got root)\n')
    const unknown = await cli('keys', 'revoke', 'nope', '--data-dir', dataDir)
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toBe('arbiter: no api key with id nope\n')
  })
})

describe('arbiter serve', () => {
  let dataDir: string
  let child: ChildProcess | undefined

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'arbiter-serve-'))
  })

  afterAll(() => {
    child?.kill('SIGKILL')
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('starts on a free port, answers health and readiness, and stops cleanly on SIGTERM', async () => {
    const script = "import('./src/cli/main.ts').then((m) => m.runCli(process.argv))"
    child = spawn(
      process.execPath,
      ['--import', 'tsx', '-e', script, 'arbiter', 'serve', '--port', '0', '--data-dir', dataDir],
      { cwd: root, env: { ...process.env, ARBITER_LOG_LEVEL: 'error' }, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let output = ''
    child.stdout?.on('data', (chunk) => {
      output += String(chunk)
    })
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no serving line: ${output}`)), 45_000)
      child?.stdout?.on('data', () => {
        const match = /serving \w+ ledger on (http:\/\/[\d.:]+)/.exec(output)
        if (match) {
          clearTimeout(timer)
          resolve(match[1]!)
        }
      })
    })
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok' })
    expect((await fetch(`${url}/readyz`)).status).toBe(200)
    expect((await fetch(`${url}/v1/entries`)).status).toBe(401)
    const exited = new Promise<number | null>((resolve) => child?.on('exit', (code) => resolve(code)))
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
  })
})
