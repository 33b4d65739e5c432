import { writeFileSync } from 'node:fs'
import type { Command } from 'commander'
import {
  type ArchivedBundle,
  assertLedgerSchema,
  type BundleArchive,
  createBundleArchive,
  openDatabase,
  SHA256_PATTERN,
} from '../../ledger/index.js'
import { CliExit } from '../cli-exit.js'
import { addDatabaseOptions, type ConfigFlags, configFromFlags } from '../config.js'

/**
 * The archived bundle a reference names: a 64-hex SHA-256, else a `.manifest` revision (the newest
 * bundle archived under it).
 *
 * @example
 * const bundle = await findBundle(archive, 'a1b2c3…')
 */
export async function findBundle(archive: BundleArchive, ref: string): Promise<ArchivedBundle | null> {
  if (SHA256_PATTERN.test(ref)) return archive.get(ref)
  return archive.getByRevision(ref)
}

/** `arbiter policy show <sha256|revision> [--out file]`: an archived bundle's manifest, or its bytes. */
export function registerPolicyShow(policy: Command): void {
  addDatabaseOptions(
    policy
      .command('show')
      .description(
        'show an archived policy bundle (by SHA-256 or revision): its manifest, or --out its bytes',
      )
      .argument('<sha256|revision>', 'SHA-256 of the bundle file, or its .manifest revision')
      .option('--out <file>', 'write the archived bundle.tar.gz to this file'),
  ).action(async (ref: string, flags: ConfigFlags & { out?: string }) => {
    const handle = await openDatabase(configFromFlags(flags))
    try {
      await assertLedgerSchema(handle.db)
      const bundle = await findBundle(createBundleArchive(handle.db), ref)
      if (!bundle)
        throw new CliExit(`no archived bundle with sha256 or revision ${JSON.stringify(ref).slice(0, 140)}`)
      if (flags.out) {
        writeFileSync(flags.out, bundle.bytes)
        process.stdout.write(`wrote ${flags.out} revision=${bundle.revision} sha256=${bundle.sha256}\n`)
        return
      }
      const { bytes: _bytes, ...info } = bundle
      process.stdout.write(`${JSON.stringify(info, null, 2)}\n`)
    } finally {
      await handle.close()
    }
  })
}
