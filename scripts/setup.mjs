#!/usr/bin/env node
// One-stop setup for a fresh clone: dependencies, compiled TypeScript, the pinned OPA CLI, the policy
// bundle; with --tests also PostgreSQL (started when down) and Debian's Chromium for the browser test.
// Idempotent and quick when everything is already in place.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const forTests = process.argv.includes('--tests')
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts })
const step = (text) => process.stderr.write(`[setup] ${text}\n`)

function newer(a, b) {
  return !existsSync(b) || statSync(a).mtimeMs > statSync(b).mtimeMs
}

if (newer(join(root, 'package-lock.json'), join(root, 'node_modules', '.package-lock.json'))) {
  step('installing npm dependencies (npm ci)')
  run('npm', ['ci', '--no-audit', '--no-fund'])
}

step('building dist/ and the policy bundle (scripts/build.mjs)')
run(process.execPath, [join(root, 'scripts', 'build.mjs')])

if (forTests) {
  const ready = spawnSync('pg_isready', ['-h', '127.0.0.1', '-p', '5432', '-q'])
  if (ready.status !== 0) {
    step('starting PostgreSQL')
    const versions = execFileSync('ls', ['/etc/postgresql']).toString().trim().split('\n')
    run('pg_ctlcluster', ['--skip-systemctl-redirect', versions[0], 'main', 'start'])
  }
  if (!existsSync('/usr/bin/chromium')) {
    step('installing Debian chromium for the browser test')
    run('apt-get', ['update', '-qq'])
    run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    })
  }
}
if (forTests) {
  // The MCP conformance suite needs Node 22: both pinned in their own directory, never on the project's PATH.
  const conformance = join(root, 'tools', 'mcp-conformance')
  if (
    newer(join(conformance, 'package-lock.json'), join(conformance, 'node_modules', '.package-lock.json'))
  ) {
    step('installing tools/mcp-conformance (MCP conformance suite, Node 22 from npm)')
    run('npm', ['ci', '--no-audit', '--no-fund'], { cwd: conformance })
  }
  // The third-party transparency-log checker the interop test drives (pinned Go modules, like tools/opa).
  step(
    'building tools/interop (Go sumdb/note, sumdb/tlog, transparency-dev/merkle, transparency-dev/formats)',
  )
  run('go', ['build', '-o', join('bin', 'tlog-interop'), '.'], {
    cwd: join(root, 'tools', 'interop'),
    env: { ...process.env, PATH: `${process.env.PATH}:/usr/local/go/bin` },
  })
}
step('ready')
