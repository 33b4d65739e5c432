import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs'
import { join } from 'node:path'
import { canonicalJson } from '../shared/index.js'
import { assertChainId, CHAIN_ID_PATTERN } from './chain.js'
import type { StoredCheckpoint } from './checkpoint.js'
import { LedgerError } from './errors.js'

/**
 * Writes a checkpoint as `<dir>/<chain>/<seq>.json` (canonical JSON), atomically and fsynced, so a
 * copy of every checkpoint lives outside the database. A later checkpoint at the same seq (an idle
 * timer tick) replaces the file with the newer signature over the same entry.
 *
 * @throws {LedgerError} LEDGER_CHECKPOINT_FAILED when the file cannot be written.
 * @example
 * writeAnchor('/var/lib/arbiter/anchors', checkpoint)
 */
export function writeAnchor(dir: string, checkpoint: StoredCheckpoint): string {
  assertChainId(checkpoint.chain)
  const chainDir = join(dir, checkpoint.chain)
  const file = join(chainDir, `${checkpoint.seq}.json`)
  const temp = `${file}.tmp-${process.pid}`
  try {
    mkdirSync(chainDir, { recursive: true })
    const fd = openSync(temp, 'w', 0o644)
    try {
      writeSync(fd, `${canonicalJson(checkpoint)}\n`)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(temp, file)
    const dirFd = openSync(chainDir, 'r')
    try {
      fsyncSync(dirFd)
    } finally {
      closeSync(dirFd)
    }
  } catch (error) {
    throw new LedgerError('LEDGER_CHECKPOINT_FAILED', `cannot write anchor ${file}: ${String(error)}`, {
      cause: error,
    })
  }
  return file
}

/** Chain ids that have an anchor sub-directory. */
export function anchorChains(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && CHAIN_ID_PATTERN.test(d.name))
    .map((d) => d.name)
}

/**
 * Reads a chain's anchor files as untrusted values (the verifier parses them). A file that is not
 * JSON becomes an object the verifier will reject as a bad checkpoint.
 *
 * @example
 * const anchors = readAnchors('/var/lib/arbiter/anchors', 'default')
 */
export function readAnchors(dir: string, chain: string): unknown[] {
  const chainDir = join(dir, chain)
  if (!CHAIN_ID_PATTERN.test(chain) || !existsSync(chainDir)) return []
  return readdirSync(chainDir)
    .filter((name) => /^[0-9]+\.json$/.test(name))
    .map((name) => {
      const text = readFileSync(join(chainDir, name), 'utf8')
      try {
        return JSON.parse(text) as unknown
      } catch {
        return { chain, seq: Number(name.slice(0, -5)), invalid: true }
      }
    })
}
