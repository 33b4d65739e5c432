import { randomBytes } from 'node:crypto'
import pg from 'pg'

/** A database created for one benchmark run and dropped at its end. */
export interface ThrowawayDatabase {
  readonly name: string
  readonly url: string
  drop(): Promise<void>
}

/**
 * Creates an empty database on the server at `serverUrl`. The name is made here from hex digits, never
 * from input, and quoted with the driver's identifier escaping (DDL cannot take bound parameters).
 */
export async function createThrowawayDatabase(serverUrl: string, label: string): Promise<ThrowawayDatabase> {
  const name = `arbiter_bench_${label}_${randomBytes(5).toString('hex')}`
  await withAdmin(serverUrl, (c) => c.query(`CREATE DATABASE ${c.escapeIdentifier(name)}`))
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return {
    name,
    url: url.toString(),
    drop: async () => {
      await withAdmin(serverUrl, (c) =>
        c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(name)} WITH (FORCE)`),
      )
    },
  }
}

async function withAdmin<T>(serverUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

/** Reads one setting on a fresh connection to `url` (what new sessions, and so the stores, will get). */
export async function showSetting(url: string, name: string): Promise<string> {
  return withAdmin(url, async (c) => {
    const r = await c.query<{ setting: string }>('SELECT current_setting($1) AS setting', [name])
    return r.rows[0]?.setting ?? 'unknown'
  })
}
