import { z } from 'zod'
import { type EntryBodies, entryBodySchemas, type KnownEntryType } from '../entries/index.js'
import { CHAIN_ID_PATTERN } from '../ledger/index.js'
import { decisionSchema, reasonSchema, toolCallInputSchema } from '../policy/index.js'

/**
 * Zod schemas for every parameter, query, body and response of the HTTP API. Routes validate with
 * them and openapi.ts generates the OpenAPI document from the same objects, so the two cannot drift.
 */

// Ids in paths are ones Arbiter issued (UUIDs) or a caller's own: printable ASCII without spaces, so a
// NUL or a control character never reaches a query.
const id = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
const chainName = z.string().regex(CHAIN_ID_PATTERN, 'must be a chain id (letters, digits, . _ -)')

export const errorBodySchema = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
})

const envelope = {
  v: z.literal(1),
  chain: z.string(),
  seq: z.number().int(),
  ts: z.string(),
  prev: z.string(),
  hash: z.string(),
}

/** `DecisionBody` → components `DecisionBody` and `DecisionEntry` in the OpenAPI document. */
const componentName = (type: KnownEntryType) =>
  type.replace(/(^|_)([a-z])/g, (_m, _s, c: string) => c.toUpperCase())

/** An entry of one known type, its body described by the same schema the readers parse with. */
function typedEntrySchema<T extends KnownEntryType>(type: T) {
  const name = componentName(type)
  const body: z.ZodType<EntryBodies[T]> = entryBodySchemas[type].meta({ id: `${name}Body` })
  return z.object({ ...envelope, type: z.literal(type), body }).meta({ id: `${name}Entry` })
}

export const decisionEntrySchema = typedEntrySchema('decision')
export const outcomeEntrySchema = typedEntrySchema('outcome')
export const approvalRequestEntrySchema = typedEntrySchema('approval_request')
export const approvalEntrySchema = typedEntrySchema('approval')
export const approvalRefusedEntrySchema = typedEntrySchema('approval_refused')
export const conflictEntrySchema = typedEntrySchema('conflict')
export const policyLoadedEntrySchema = typedEntrySchema('policy_loaded')

/** `schema` or null; a union keeps the component reference intact in the OpenAPI document. */
const orNull = <S extends z.ZodType>(schema: S) => z.union([schema, z.null()])

/** Any ledger entry: one of the typed entries, or an entry of a type this version does not know. */
export const ledgerEntrySchema = z
  .union([
    decisionEntrySchema,
    outcomeEntrySchema,
    approvalRequestEntrySchema,
    approvalEntrySchema,
    approvalRefusedEntrySchema,
    conflictEntrySchema,
    policyLoadedEntrySchema,
    z
      .object({ ...envelope, type: z.string(), body: z.record(z.string(), z.unknown()) })
      .meta({ id: 'OtherEntry', description: 'an entry of a type this server version has no schema for' }),
  ])
  .meta({ id: 'LedgerEntry', description: 'docs/ledger-format.md; bodies per type under "Bodies"' })

// ---- decisions ---------------------------------------------------------------------------------

export { toolCallInputSchema }

/**
 * `POST /v1/decisions` body: a ToolCallInput whose identity parts may be left out, because they come
 * from the API key's binding (docs/trust-model.md). `agent` omitted: the key's identity, runtime
 * `http`; `principal` (or its `id`) omitted: the key's own principal; `roles` omitted: that principal's
 * roles from the binding (none for anyone else). Anything named must lie within the binding (403).
 */
export const decisionRequestSchema = toolCallInputSchema.extend({
  agent: toolCallInputSchema.shape.agent.partial().optional(),
  principal: toolCallInputSchema.shape.principal.partial().optional(),
})

/** Which API key made a request and the identity it is bound to, as the ledger records it. */
export const callerSchema = z.object({ key_id: z.string(), identity: z.string(), principal_id: z.string() })

export const decisionIdParamsSchema = z.object({ id })

export const decisionStatusSchema = z.enum(['allowed', 'denied', 'pending', 'approved', 'rejected'])

export const decisionResponseSchema = z.object({
  decision_id: z.string(),
  status: decisionStatusSchema,
  decision: decisionSchema,
  reasons: z.array(reasonSchema),
  bundle: z.object({ revision: z.string(), sha256: z.string() }),
  approval: z
    .object({ approval_id: z.string(), roles: z.array(z.string()), count: z.number().int() })
    .optional(),
  entry: z.object({ chain: z.string(), seq: z.number().int() }),
  /** The key that asked for the decision (absent for in-process decisions). */
  caller: callerSchema.optional(),
})

export const decisionWaitQuerySchema = z.object({
  wait: z.coerce.number().int().min(0).max(60).optional(),
})

export const outcomeBodySchema = z
  .object({
    status: z.enum(['ok', 'error', 'not_run']),
    duration_ms: z.number().nonnegative().max(86_400_000).optional(),
    result: z.unknown().optional(),
    error: z.string().max(4096).optional(),
  })
  .strict()

export const outcomeResponseSchema = z.object({
  decision_id: z.string(),
  entry: z.object({ chain: z.string(), seq: z.number().int() }),
})

// ---- ledger queries ----------------------------------------------------------------------------

const isoTime = z.iso.datetime({ offset: true }).transform((s) => new Date(s))

export const entriesQuerySchema = z
  .object({
    chain: chainName.optional(),
    type: z.string().min(1).max(64).optional(),
    tool: z.string().min(1).max(256).optional(),
    agent: z.string().min(1).max(256).optional(),
    principal: z.string().min(1).max(256).optional(),
    session: z.string().min(1).max(256).optional(),
    action: z.enum(['allow', 'deny', 'require_approval']).optional(),
    rule: z.string().min(1).max(256).optional(),
    from: isoTime.optional(),
    to: isoTime.optional(),
    q: z.string().max(256).optional(),
    decision_id: id.optional(),
    limit: z.coerce.number().int().min(1).max(500).optional(),
    cursor: z.string().max(2048).optional(),
  })
  .strict()

export const entryPageSchema = z.object({
  entries: z.array(ledgerEntrySchema),
  next_cursor: z.string().nullable(),
})

export const entryParamsSchema = z.object({
  chain: chainName,
  seq: z.coerce.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
})

export const entryDetailSchema = z.object({
  entry: ledgerEntrySchema,
  linked: z.array(ledgerEntrySchema),
})

export const conflictsQuerySchema = z
  .object({
    chain: chainName.optional(),
    limit: z.coerce.number().int().min(1).max(500).optional(),
    cursor: z.string().max(2048).optional(),
  })
  .strict()

export const conflictPageSchema = z.object({
  conflicts: z.array(z.object({ entry: conflictEntrySchema, decision: orNull(decisionEntrySchema) })),
  next_cursor: z.string().nullable(),
})

export const verificationSchema = z.object({
  chain: z.string(),
  ts: z.string(),
  ok: z.boolean(),
  entries: z.number().int(),
  head: z.object({ seq: z.number().int(), hash: z.string() }).nullable(),
  error_code: z.string().nullable(),
  message: z.string(),
  requested_by: z.string(),
})

export const chainsResponseSchema = z.object({
  chains: z.array(
    z.object({
      chain: z.string(),
      head: z.object({ seq: z.number().int(), hash: z.string() }),
      last_checkpoint: z
        .object({ seq: z.number().int(), hash: z.string(), ts: z.string(), key_id: z.string() })
        .nullable(),
      last_verification: verificationSchema.nullable(),
    }),
  ),
})

export const verifyBodySchema = z.object({ chain: chainName.optional() }).strict()

export const verifyResponseSchema = z.object({ ok: z.boolean(), results: z.array(verificationSchema) })

export const exportQuerySchema = z
  .object({ format: z.enum(['jsonl', 'csv']).default('jsonl'), chain: chainName.optional() })
  .strict()

// ---- approvals ---------------------------------------------------------------------------------

export const approvalsQuerySchema = z
  .object({
    status: z.enum(['pending', 'all']).default('pending'),
    limit: z.coerce.number().int().min(1).max(500).optional(),
  })
  .strict()

export const approvalItemSchema = z.object({
  approval_id: z.string(),
  decision_id: z.string(),
  state: z.enum(['pending', 'approved', 'denied', 'timed_out', 'expired']),
  roles: z.array(z.string()),
  count: z.number().int(),
  requested_by: z.string(),
  /** The key that filed the request (absent for in-process calls); it may not approve it. */
  caller: callerSchema.nullable(),
  expires_at: z.string(),
  approved_by: z.array(z.object({ id: z.string(), roles: z.array(z.string()) })),
  request: orNull(approvalRequestEntrySchema),
  decision: orNull(decisionEntrySchema),
  votes: z.array(approvalEntrySchema),
})

export const approvalsResponseSchema = z.object({ approvals: z.array(approvalItemSchema) })

export const approvalParamsSchema = z.object({ id })

export const approvalVerdictBodySchema = z
  .object({ verdict: z.enum(['approve', 'deny']), comment: z.string().max(2000).optional() })
  .strict()

export const approvalVerdictResponseSchema = z.object({
  approval_id: z.string(),
  verdict: z.enum(['approve', 'deny']),
  state: z.enum(['pending', 'approved', 'denied', 'timed_out', 'expired']),
})

// ---- operations --------------------------------------------------------------------------------

export const healthSchema = z.object({ status: z.literal('ok') })
export const readySchema = z.object({
  status: z.enum(['ready', 'not_ready']),
  checks: z.object({ database: z.boolean(), bundle: z.boolean() }),
})
export const whoamiSchema = z.object({
  key_id: z.string(),
  name: z.string(),
  role: z.string(),
  /** The agent or service id the key speaks as. */
  identity: z.string(),
  principal_id: z.string(),
  roles: z.array(z.string()),
  act_for: z.array(z.string()),
  assert_roles: z.array(z.string()),
  front_end: z.boolean(),
})
