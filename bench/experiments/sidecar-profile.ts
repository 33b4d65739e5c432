// Experiment: where the sidecar's time goes. Starts `arbiter serve` (dist/, rebuilt first) under
// `--cpu-prof` on a throwaway PostgreSQL database, drives POST /v1/decisions from the load-generator
// child at one concurrency, stops the server (the profile is written on exit) and prints the top self
// times. Usage: [NO_PROFILE=1] npx tsx bench/experiments/sidecar-profile.ts [concurrency=16] [seconds=8]
// (NO_PROFILE=1 measures the server's CPU time per request without the profiler's overhead;
// SERVER_NODE_FLAGS="--max-semi-space-size=32" passes Node flags to the server).
import { mkdtempSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { createApiKeyStore } from '../../src/server/index.js'
import { compileWorker, exited, forkCompiled, nextMessage } from '../lib/child.js'
import { benchInputs } from '../lib/inputs.js'
import { createThrowawayDatabase } from '../lib/postgres.js'
import { buildDist, startSidecarServer } from '../lib/sidecar-server.js'
import { openStore } from '../lib/store.js'
import type { LoadResult } from '../workers/load-generator.js'

const concurrency = Number(process.argv[2] ?? '16')
const seconds = Number(process.argv[3] ?? '8')
const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const profileDir = mkdtempSync(join(tmpdir(), 'arbiter-sidecar-prof-'))
buildDist()
const tdb = await createThrowawayDatabase(serverUrl, 'prof')
try {
  const store = await openStore({ kind: 'postgres', databaseUrl: tdb.url, poolSize: 4 })
  const { key } = await createApiKeyStore(store.db).create({ role: 'agent', name: 'profile' })
  await store.close()
  const server = await startSidecarServer({
    databaseUrl: tdb.url,
    bundlePath: join(import.meta.dirname, '..', '..', 'build', 'bundle.tar.gz'),
    chain: 'prof',
    nodeFlags: [
      ...(process.env.NO_PROFILE ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`]),
      ...(process.env.SERVER_NODE_FLAGS ?? '').split(' ').filter((f) => f.startsWith('--')),
    ],
  })
  try {
    const config = {
      url: server.url,
      path: '/v1/decisions',
      headers: { authorization: `Bearer ${key}` },
      bodies: benchInputs().map((i) => JSON.stringify(i)),
      concurrency,
      warmupMs: 1000,
      windowMs: seconds * 1000,
    }
    const xacts = async () => {
      const c = new pg.Client({ connectionString: serverUrl })
      await c.connect()
      try {
        const r = await c.query<{ n: string }>(
          'select xact_commit::text as n from pg_stat_database where datname = $1',
          [tdb.name],
        )
        return Number(r.rows[0]?.n)
      } finally {
        await c.end()
      }
    }
    const xactBefore = await xacts()
    const cpuBefore = server.cpuSeconds()
    const child = forkCompiled(compileWorker('load-generator'), [JSON.stringify(config)])
    const result = await nextMessage<LoadResult>(child, 'result')
    await exited(child)
    const cpu = server.cpuSeconds() - cpuBefore
    const answered = Object.values(result.statuses).reduce((a, b) => a + b, 0)
    console.log(JSON.stringify(result))
    // Statistics reach pg_stat_database with a delay of up to PGSTAT_MIN_INTERVAL (1 s).
    await new Promise((r) => setTimeout(r, 1500))
    console.log(`transactions committed: ${(await xacts()) - xactBefore} for ${answered} requests`)
    console.log(
      `server CPU: ${cpu.toFixed(2)} s for ${answered} requests = ${((cpu / answered) * 1e6).toFixed(0)} µs each`,
    )
    // Where the server's own histograms put the time: whole decision vs durable append (means).
    const metrics = await (await fetch(`${server.url}/metrics`)).text()
    const value = (name: string) =>
      Number(new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(metrics)?.[1] ?? NaN)
    for (const [label, base] of [
      ['decision (HTTP, allow)', 'arbiter_decision_latency_seconds_{}{action="allow"}'],
      ['append (decision entry)', 'arbiter_ledger_append_seconds_{}{type="decision"}'],
      ['policy evaluation', 'arbiter_policy_evaluation_seconds_{}'],
    ] as const) {
      const sum = value(base.replace('{}', 'sum').replace(/[{}"=]/g, (c) => `\\${c}`))
      const count = value(base.replace('{}', 'count').replace(/[{}"=]/g, (c) => `\\${c}`))
      console.log(`${label}: mean ${((sum / count) * 1000).toFixed(2)} ms over ${count}`)
    }
  } finally {
    await server.stop()
  }
} finally {
  await tdb.drop()
}
const [profile] = readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile'))
console.log(`profile: ${join(profileDir, profile ?? '(none)')}`)
