import { z } from 'zod'
import { CHAIN_ID_PATTERN } from '../ledger/index.js'
import { decisionEntrySchema } from './api-schemas.js'

/**
 * Zod schemas of the two dashboard routes, `GET /v1/rollout` (shadow rollout) and `GET /v1/overview`.
 * The routes validate with them and openapi.ts documents them from the same objects.
 */

const isoTime = z.iso.datetime({ offset: true }).transform((s) => new Date(s))
const chainName = z.string().regex(CHAIN_ID_PATTERN, 'must be a chain id (letters, digits, . _ -)')

export const rolloutQuerySchema = z
  .object({
    since: isoTime.optional().meta({ description: 'inclusive; default: 24 hours before `until`' }),
    until: isoTime.optional().meta({ description: 'exclusive; default: now' }),
    bucket: z.enum(['minute', 'hour', 'day']).default('hour'),
    rule: z
      .string()
      .min(1)
      .max(256)
      .optional()
      .meta({ description: 'rule id given by the live or the shadow bundle' }),
    tool: z.string().min(1).max(256).optional(),
    chain: chainName.optional(),
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .max(500)
      .optional()
      .meta({ description: 'disagreements listed (default 50)' }),
  })
  .strict()

export const overviewQuerySchema = z
  .object({
    since: isoTime.optional().meta({ description: 'inclusive; default: 24 hours before `until`' }),
    until: isoTime
      .optional()
      .meta({ description: 'exclusive; default: now; the range spans at most 31 days' }),
    chain: chainName.optional(),
  })
  .strict()

/** The shadow bundle this server evaluates next to the live one (`arbiter serve --shadow-bundle`). */
export const shadowStatusSchema = z
  .object({
    configured: z.boolean(),
    bundle: z.object({ revision: z.string(), sha256: z.string() }).nullable(),
    /** Why the configured candidate holds no bundle (it could not be loaded). */
    error: z.string().nullable(),
  })
  .meta({ id: 'ShadowStatus' })

const counts = {
  decisions: z.number().int(),
  shadowed: z.number().int(),
  agree: z.number().int(),
  disagree: z.number().int(),
  errors: z.number().int(),
  /** agree / (agree + disagree); null when nothing was compared. */
  agreement_rate: z.number().nullable(),
}

export const rolloutResponseSchema = z.object({
  since: z.string(),
  until: z.string(),
  bucket: z.enum(['minute', 'hour', 'day']),
  shadow: shadowStatusSchema,
  totals: z.object(counts),
  series: z.array(z.object({ start: z.string(), ...counts })),
  candidates: z.array(z.object({ revision: z.string(), sha256: z.string(), decisions: z.number().int() })),
  disagreements: z.array(decisionEntrySchema),
})

const byAction = {
  allow: z.number().int(),
  deny: z.number().int(),
  require_approval: z.number().int(),
}

export const overviewResponseSchema = z.object({
  since: z.string(),
  until: z.string(),
  totals: z.object(byAction),
  decisions_per_hour: z.array(z.object({ start: z.string(), ...byAction })),
  top_denying_rules: z.array(z.object({ rule: z.string(), count: z.number().int() })),
  conflicts_by_runtime: z.array(z.object({ runtime: z.string(), kind: z.string(), count: z.number().int() })),
  approvals: z.object({
    waiting: z.number().int(),
    approved: z.number().int(),
    median_seconds_to_approve: z.number().nullable(),
    p90_seconds_to_approve: z.number().nullable(),
  }),
  shadow: shadowStatusSchema.extend({
    shadowed: z.number().int(),
    agree: z.number().int(),
    disagree: z.number().int(),
    errors: z.number().int(),
  }),
})
