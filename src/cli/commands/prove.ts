import type { Command } from 'commander'
import {
  assertLedgerSchema,
  createLedger,
  entryLeafHash,
  MerkleTreeReader,
  openDatabase,
  verifyConsistency,
  verifyInclusion,
} from '../../ledger/index.js'
import { CliExit } from '../cli-exit.js'
import { addDatabaseOptions, configFromFlags, type DatabaseFlags } from '../config.js'

interface ProveFlags extends DatabaseFlags {
  readonly chain: string
  readonly seq?: string
  readonly size?: string
  readonly from?: string
  readonly to?: string
}

function count(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  if (!/^[1-9][0-9]{0,15}$/.test(value) || !Number.isSafeInteger(Number(value)))
    throw new CliExit(`${name} must be a positive integer, got ${value}`)
  return Number(value)
}

const bytes = (hex: readonly string[]) => hex.map((h) => Buffer.from(h, 'hex'))

/**
 * `arbiter prove --chain <id> --seq <n> [--size <n>]` (inclusion) or `arbiter prove --chain <id> --from <m>
 * [--to <n>]` (consistency): prints the RFC 9162 proof as JSON, after checking it here: the leaf hash is
 * recomputed from the stored entry, and the proof is verified against the root.
 */
export function registerProve(program: Command): void {
  addDatabaseOptions(
    program
      .command('prove')
      .description('print a Merkle inclusion (--seq) or consistency (--from/--to) proof as JSON, verified')
      .requiredOption('--chain <id>', 'the chain')
      .option('--seq <n>', 'inclusion: the entry to prove')
      .option('--size <n>', 'inclusion: tree size to prove against (default: the whole chain)')
      .option('--from <m>', 'consistency: the older tree size')
      .option('--to <n>', 'consistency: the newer tree size (default: the whole chain)'),
  ).action(async (flags: ProveFlags) => {
    const seq = count('--seq', flags.seq)
    const size = count('--size', flags.size)
    const from = count('--from', flags.from)
    const to = count('--to', flags.to)
    if ((seq === undefined) === (from === undefined))
      throw new CliExit('give either --seq (inclusion proof) or --from (consistency proof)')
    if (seq !== undefined && to !== undefined)
      throw new CliExit('--to belongs to a consistency proof (--from)')
    if (from !== undefined && size !== undefined)
      throw new CliExit('--size belongs to an inclusion proof (--seq)')
    const handle = await openDatabase(configFromFlags(flags))
    try {
      await assertLedgerSchema(handle.db)
      const tree = new MerkleTreeReader(handle.db)
      if (seq !== undefined) {
        const proof = await tree.inclusion(flags.chain, seq, size)
        // The leaf from the entry itself, not from the stored tree: the proof must reach the entry.
        let entry = null
        for await (const e of createLedger(handle.db).entries(flags.chain, { fromSeq: seq, toSeq: seq }))
          entry = e
        if (!entry) throw new CliExit(`entry ${seq} of chain ${flags.chain} is missing`)
        const leaf = entryLeafHash(entry)
        verifyInclusion(
          seq - 1,
          proof.tree_size,
          leaf,
          bytes(proof.proof),
          Buffer.from(proof.root_hash, 'hex'),
        )
        process.stdout.write(`${JSON.stringify({ kind: 'inclusion', ...proof, verified: true }, null, 2)}\n`)
      } else {
        const proof = await tree.consistency(flags.chain, from!, to)
        verifyConsistency(
          proof.from_size,
          proof.to_size,
          bytes(proof.proof),
          Buffer.from(proof.from_root, 'hex'),
          Buffer.from(proof.to_root, 'hex'),
        )
        process.stdout.write(
          `${JSON.stringify({ kind: 'consistency', ...proof, verified: true }, null, 2)}\n`,
        )
      }
    } finally {
      await handle.close()
    }
  })
}
