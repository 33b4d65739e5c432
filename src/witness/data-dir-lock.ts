import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { WitnessError } from '../ledger/index.js'

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Takes `<dataDir>/witness.lock` for this process: two witness processes on one state file could
 * each cosign a different view. A lock left by a dead process is taken over. Returns the release.
 *
 * @throws {WitnessError} WITNESS_STATE_INVALID when a live process holds the lock.
 * @example
 * const release = acquireDataDirLock('./witness-data')
 */
export function acquireDataDirLock(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true })
  const path = join(dataDir, 'witness.lock')
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: 'wx', mode: 0o600 })
      return () => rmSync(path, { force: true })
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const holder = Number.parseInt(readFileSync(path, 'utf8'), 10)
      if (Number.isSafeInteger(holder) && holder !== process.pid && alive(holder))
        throw new WitnessError(
          'WITNESS_STATE_INVALID',
          `witness data dir ${dataDir} is in use by process ${holder}`,
        )
      rmSync(path, { force: true })
    }
  }
  throw new WitnessError('WITNESS_STATE_INVALID', `cannot lock witness data dir ${dataDir}`)
}
