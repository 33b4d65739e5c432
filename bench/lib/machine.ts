import { readFileSync } from 'node:fs'
import { cpus, release, totalmem } from 'node:os'
import pg from 'pg'

/** What the numbers were measured on; read at run time and printed with the results. */
export interface MachineInfo {
  readonly cpuModel: string
  readonly cores: number
  readonly memoryGiB: number
  readonly kernel: string
  readonly node: string
  readonly postgres: string | null
  readonly postgresSettings: Readonly<Record<string, string>>
  readonly pglite: string
  readonly opa: string | null
}

const SETTINGS = [
  'synchronous_commit',
  'fsync',
  'wal_sync_method',
  'commit_delay',
  'max_connections',
  'shared_buffers',
]

/** Reads CPU, memory, Node, PostgreSQL (version and durability settings), PGlite and OPA versions. */
export async function readMachineInfo(
  serverUrl: string | null,
  opaVersion: string | null,
): Promise<MachineInfo> {
  const cpu = cpus()
  let postgres: string | null = null
  const postgresSettings: Record<string, string> = {}
  if (serverUrl) {
    const client = new pg.Client({ connectionString: serverUrl })
    await client.connect()
    try {
      postgres = String((await client.query('SELECT version() AS v')).rows[0].v)
      const rows = await client.query<{ name: string; setting: string; unit: string | null }>(
        'SELECT name, setting, unit FROM pg_settings WHERE name = ANY($1::text[])',
        [SETTINGS],
      )
      for (const r of rows.rows) postgresSettings[r.name] = r.unit ? `${r.setting} (${r.unit})` : r.setting
    } finally {
      await client.end()
    }
  }
  return {
    cpuModel: cpu[0]?.model ?? 'unknown',
    cores: cpu.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: release(),
    node: process.version,
    postgres,
    postgresSettings,
    pglite: packageVersion('@electric-sql/pglite'),
    opa: opaVersion,
  }
}

function packageVersion(name: string): string {
  const url = new URL(`../../node_modules/${name}/package.json`, import.meta.url)
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version
}

/** Peak resident set size of this process in MB (10^6 bytes, the target's unit; VmHWM), or NaN off Linux. */
export function peakRssMB(): number {
  try {
    const status = readFileSync('/proc/self/status', 'utf8')
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(status)
    return m ? (Number(m[1]) * 1024) / 1e6 : Number.NaN
  } catch {
    return Number.NaN
  }
}

/** Current resident set size of this process in MB (10^6 bytes; VmRSS). */
export function currentRssMB(): number {
  try {
    const status = readFileSync('/proc/self/status', 'utf8')
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(status)
    return m ? (Number(m[1]) * 1024) / 1e6 : Number.NaN
  } catch {
    return Number.NaN
  }
}
