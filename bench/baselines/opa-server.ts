import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import http from 'node:http'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { computePolicyRevision, DECISION_ENTRYPOINT, readBundle } from '../../src/policy/index.js'

/** A running `opa run --server` child and a keep-alive client for its Data API. */
export interface OpaServer {
  readonly url: string
  /** Process id of the `opa` child (the sidecar section reads its CPU time). */
  readonly pid: number | undefined
  readonly version: string
  /** POSTs `{input}` to `/v1/data/arbiter/decision` on a kept-alive socket; resolves the parsed body. */
  decide(input: unknown): Promise<unknown>
  stop(): Promise<void>
}

/** The first line of `opa version`, e.g. `Version: 1.22.3`. */
export function opaVersion(binary: string): string {
  const out = execFileSync(binary, ['version'], { encoding: 'utf8' })
  return out.split('\n')[0]?.replace(/^Version:\s*/, '') ?? 'unknown'
}

/** Finds a port nobody listens on right now (the OPA child binds it a moment later). */
async function freePort(): Promise<number> {
  return new Promise((resolveP, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address()
      const port = typeof address === 'object' && address ? address.port : 0
      srv.close(() => resolveP(port))
    })
  })
}

/**
 * Builds the Rego bundle the OPA server serves, from the same policy sources and data the WASM bundle
 * was built from, stamped with the same revision. The WASM bundle itself cannot be served: the pinned
 * OPA is built without its optional WebAssembly engine (`opa version`: `WebAssembly: unavailable`), and
 * a wasm-target build keeps only the residue of the Rego next to `policy.wasm` (the entry point lives in
 * the wasm alone). Refuses when the sources have changed since the WASM bundle was built, because then
 * the two engines would not run the same policy.
 */
export async function buildRegoBundle(
  binary: string,
  wasmBundlePath: string,
  policiesDir: string,
): Promise<string> {
  const { manifest } = await readBundle(wasmBundlePath)
  const revision = computePolicyRevision(policiesDir)
  if (manifest.revision !== revision)
    throw new Error(
      `policies changed since ${wasmBundlePath} was built (bundle revision ${manifest.revision}, sources ${revision}); run npm run policies:build`,
    )
  const dir = mkdtempSync(join(tmpdir(), 'arbiter-bench-opa-'))
  const out = join(dir, 'rego-bundle.tar.gz')
  execFileSync(
    binary,
    [
      'build',
      '-e',
      DECISION_ENTRYPOINT,
      '--revision',
      revision,
      '--ignore',
      '*_test.rego',
      '-o',
      out,
      policiesDir,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  )
  return out
}

/**
 * Starts the pinned OPA as a server in bundle mode (`-b`) on the same policies and data the in-process
 * engine loads, and waits until `/health?bundles` reports the bundle activated.
 */
export async function startOpaServer(
  binary: string,
  wasmBundlePath: string,
  policiesDir: string,
): Promise<OpaServer> {
  const regoBundle = await buildRegoBundle(binary, wasmBundlePath, policiesDir)
  const bundleDir = dirname(regoBundle)
  const port = await freePort()
  const addr = `127.0.0.1:${port}`
  const child: ChildProcess = spawn(
    binary,
    ['run', '--server', '--addr', addr, '--log-level', 'error', '-b', regoBundle],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  )
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString()
  })
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  const url = `http://${addr}`
  const request = (method: string, path: string, body?: string): Promise<{ status: number; text: string }> =>
    new Promise((resolveP, reject) => {
      const req = http.request(
        {
          agent,
          host: '127.0.0.1',
          port,
          method,
          path,
          headers: body
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }
            : {},
        },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('end', () =>
            resolveP({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }),
          )
          res.on('error', reject)
        },
      )
      req.on('error', reject)
      req.end(body)
    })
  const deadline = Date.now() + 20_000
  for (;;) {
    if (child.exitCode !== null) {
      rmSync(bundleDir, { recursive: true, force: true })
      throw new Error(`opa server exited (${child.exitCode}): ${stderr.trim()}`)
    }
    try {
      const r = await request('GET', '/health?bundles')
      if (r.status === 200) break
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      rmSync(bundleDir, { recursive: true, force: true })
      throw new Error(`opa server did not become healthy within 20s: ${stderr.trim()}`)
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  return {
    url,
    pid: child.pid,
    version: opaVersion(binary),
    async decide(input) {
      const r = await request('POST', '/v1/data/arbiter/decision', JSON.stringify({ input }))
      if (r.status !== 200) throw new Error(`opa server answered ${r.status}: ${r.text.slice(0, 200)}`)
      return (JSON.parse(r.text) as { result?: unknown }).result
    },
    async stop() {
      agent.destroy()
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r))
        child.kill('SIGTERM')
        await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))])
        if (child.exitCode === null) child.kill('SIGKILL')
      }
      rmSync(bundleDir, { recursive: true, force: true })
    },
  }
}
