import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { type BundleArchive, SHA256_PATTERN } from '../ledger/index.js'
import { sha256Hex } from '../shared/index.js'

/** Where replay finds the bundle that made a decision: bytes for a SHA-256, or null when it has none. */
export type RecordedBundleSource = (sha256: string) => Promise<Uint8Array | null>

/**
 * Recorded bundles from the database's archive (table `policy_bundles`; bytes re-hashed on read).
 *
 * @example
 * const recordedBundle = archiveSource(createBundleArchive(handle.db))
 */
export function archiveSource(archive: Pick<BundleArchive, 'get'>): RecordedBundleSource {
  return async (sha256) => (await archive.get(sha256))?.bytes ?? null
}

/**
 * Recorded bundles from a directory of `<sha256>.tar.gz` files (what `arbiter policy show <sha256>
 * --out` or `GET /v1/bundles/{sha256}/bundle.tar.gz` saves), for replaying an export without database
 * access. A file whose bytes do not hash to its name is ignored (counted as not archived), so a
 * swapped file cannot stand in for the bundle that decided.
 *
 * @example
 * const recordedBundle = directorySource('bundles/')
 */
export function directorySource(dir: string): RecordedBundleSource {
  return async (sha256) => {
    if (!SHA256_PATTERN.test(sha256)) return null
    let bytes: Uint8Array
    try {
      bytes = await readFile(join(dir, `${sha256}.tar.gz`))
    } catch {
      return null
    }
    return sha256Hex(bytes) === sha256 ? bytes : null
  }
}

/**
 * The first source that has the bundle.
 *
 * @example
 * const recordedBundle = firstOf([directorySource('bundles/'), archiveSource(archive)])
 */
export function firstOf(sources: readonly RecordedBundleSource[]): RecordedBundleSource {
  return async (sha256) => {
    for (const source of sources) {
      const bytes = await source(sha256)
      if (bytes) return bytes
    }
    return null
  }
}
