import { z } from 'zod'
import { decisionActionSchema } from '../policy/index.js'
import { bundleRefSchema } from './fields.js'

/**
 * `shadow` member of a decision body: what a candidate bundle, evaluated on the same input next to the
 * live one, would have decided. Recorded, never enforced. Either `action`, `rules` and `agrees`, or
 * `error` (the candidate could not be loaded, failed or overran its deadline).
 */
export const shadowBodySchema = z.looseObject({
  bundle: bundleRefSchema.optional(),
  action: decisionActionSchema.optional(),
  rules: z.array(z.string()).optional(),
  agrees: z.boolean().optional(),
  error: z.string().optional(),
  duration_us: z.number().int().nonnegative().optional(),
})

/** The `shadow` member of a decision body (see docs/ledger-format.md, `decision`). */
export type ShadowBody = z.infer<typeof shadowBodySchema>
