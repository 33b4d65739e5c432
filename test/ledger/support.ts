import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  createLedger,
  type DatabaseHandle,
  type KyselyLedgerStore,
  type KyselyLedgerStoreOptions,
} from '../../src/ledger/index.js'
import { openMigratedDatabase, type TestBackend } from '../support/backends.js'

export const repoRoot = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..')

// The RFC 8785 reference vectors, vendored (Apache-2.0; see its README) so a bare clone tests them.
export const jcsVectorsDir = join(repoRoot, 'test', 'fixtures', 'jcs-vectors')
export const jcsVectorsPresent = existsSync(join(jcsVectorsDir, 'input'))

/** A migrated database on `backend` with a ledger over it. */
export interface OpenLedger {
  readonly handle: DatabaseHandle
  readonly ledger: KyselyLedgerStore
  close(): Promise<void>
}

export async function openLedger(
  backend: TestBackend,
  options: KyselyLedgerStoreOptions = {},
): Promise<OpenLedger> {
  const handle = await openMigratedDatabase(backend)
  const ledger = createLedger(handle.db, options)
  return {
    handle,
    ledger,
    async close() {
      await ledger.close()
      await handle.close()
    },
  }
}

/** CLI flags that point `arbiter` at the backend's database. */
export function databaseFlags(backend: TestBackend): string[] {
  return backend.databaseUrl ? ['--database-url', backend.databaseUrl] : ['--data-dir', backend.dataDir!]
}

/**
 * Runs `arbiter <args>` from source in a child process (a separate OS process, as PGlite's lock and
 * exit codes need) and returns its status and output.
 *
 * @example
 * const run = runCliProcess('verify', ...databaseFlags(backend), '--json')
 */
export function runCliProcess(...args: string[]) {
  return spawnSync(
    process.execPath,
    ['--import', 'tsx', join(repoRoot, 'test/ledger/fixtures/cli.ts'), ...args],
    {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 60_000,
    },
  )
}
