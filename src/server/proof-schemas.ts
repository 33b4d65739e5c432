import { z } from 'zod'
import { CHAIN_ID_PATTERN } from '../ledger/index.js'

/**
 * Zod schemas of the Merkle proof routes (`/v1/chains/{chain}/proofs/...`), shared by the routes and
 * the OpenAPI document. Sizes and seqs are decimal strings in the query: strict digits, safe integers.
 */

const count = z
  .string()
  .regex(/^[1-9][0-9]{0,15}$/, 'must be a positive decimal integer')
  .transform(Number)
  .refine(Number.isSafeInteger, 'must be a safe integer')

export const proofParamsSchema = z.object({
  chain: z.string().regex(CHAIN_ID_PATTERN, 'must be a chain id (letters, digits, . _ -)'),
})

export const inclusionQuerySchema = z
  .object({
    /** The entry (1-based `seq`; its leaf index is seq - 1). */
    seq: count,
    /** Tree size the proof is against; default the chain's current size. */
    size: count.optional(),
  })
  .strict()

export const consistencyQuerySchema = z
  .object({
    /** The older tree size. */
    from: count,
    /** The newer tree size; default the chain's current size. */
    to: count.optional(),
  })
  .strict()

const hex32 = z.string().regex(/^[0-9a-f]{64}$/)

export const inclusionProofSchema = z.object({
  chain: z.string(),
  seq: z.number().int(),
  leaf_index: z.number().int(),
  tree_size: z.number().int(),
  entry_hash: hex32,
  leaf_hash: hex32,
  root_hash: hex32,
  proof: z.array(hex32),
})

export const consistencyProofSchema = z.object({
  chain: z.string(),
  from_size: z.number().int(),
  to_size: z.number().int(),
  from_root: hex32,
  to_root: hex32,
  proof: z.array(hex32),
})
