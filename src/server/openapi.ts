import { OpenAPIRegistry, OpenApiGeneratorV31, type RouteConfig } from '@asteasolutions/zod-to-openapi'
import type { z } from 'zod'
import * as s from './api-schemas.js'
import * as proofs from './proof-schemas.js'

type Responses = RouteConfig['responses']

const json = (schema: z.ZodType, description: string) => ({
  description,
  content: { 'application/json': { schema } },
})

const errors = (...statuses: number[]): Responses =>
  Object.fromEntries(
    statuses.map((status) => [String(status), json(s.errorBodySchema, 'error: { code, message }')]),
  )

/** Roles allowed per route, shown in each operation's description. */
const roleNote = (roles: string) => `Roles: ${roles}.`

function registerRoutes(registry: OpenAPIRegistry): void {
  const secured = { security: [{ bearerAuth: [] }] }
  // 503: the database is unavailable (also while authenticating); retry later.
  const common = errors(400, 401, 403, 429, 503)
  const routes: RouteConfig[] = [
    {
      method: 'post',
      path: '/v1/decisions',
      summary: 'Decide on a proposed tool call and record the decision',
      description:
        `${roleNote('agent, admin')} require_approval answers at once with status pending. ` +
        'Agent and principal come from the key binding: left out, they are filled in from it; named, ' +
        'they must lie within it (403 FORBIDDEN names the agent, principal or roles refused). ' +
        'See docs/trust-model.md.',
      request: {
        body: { required: true, content: { 'application/json': { schema: s.decisionRequestSchema } } },
      },
      responses: {
        '200': json(s.decisionResponseSchema, 'the recorded decision'),
        ...common,
        ...errors(413),
      },
    },
    {
      method: 'get',
      path: '/v1/decisions/{id}',
      summary: 'Current status of a decision; optionally wait for a pending approval',
      description: `${roleNote('agent, auditor, approver, admin')} An agent key sees only the decisions it asked for.`,
      request: { params: s.decisionIdParamsSchema, query: s.decisionWaitQuerySchema },
      responses: { '200': json(s.decisionResponseSchema, 'the decision'), ...common, ...errors(404) },
    },
    {
      method: 'post',
      path: '/v1/decisions/{id}/outcome',
      summary: 'Record what happened when the tool ran (or did not)',
      description:
        `${roleNote('agent, admin')} Only the key that asked for the decision (403 FORBIDDEN otherwise), ` +
        'only for a decision that allowed the call or whose approval was granted (409 DECISION_PENDING, ' +
        '409 DECISION_DENIED), and only once (409 GUARD_ALREADY_RECORDED, enforced by the database).',
      request: {
        params: s.decisionIdParamsSchema,
        body: { required: true, content: { 'application/json': { schema: s.outcomeBodySchema } } },
      },
      responses: {
        '200': json(s.outcomeResponseSchema, 'the outcome entry'),
        ...common,
        ...errors(404, 409, 413),
      },
    },
    {
      method: 'get',
      path: '/v1/entries',
      summary: 'Search ledger entries, newest first, with keyset pagination',
      description: roleNote('auditor, approver, admin'),
      request: { query: s.entriesQuerySchema },
      responses: { '200': json(s.entryPageSchema, 'a page of entries'), ...common },
    },
    {
      method: 'get',
      path: '/v1/entries/{chain}/{seq}',
      summary: 'One entry with the entries linked to it by decision_id',
      description: roleNote('auditor, approver, admin'),
      request: { params: s.entryParamsSchema },
      responses: { '200': json(s.entryDetailSchema, 'the entry'), ...common, ...errors(404) },
    },
    {
      method: 'get',
      path: '/v1/conflicts',
      summary: 'Conflicts between a vendor runtime and policy, with their decisions',
      description: roleNote('auditor, approver, admin'),
      request: { query: s.conflictsQuerySchema },
      responses: { '200': json(s.conflictPageSchema, 'a page of conflicts'), ...common },
    },
    {
      method: 'get',
      path: '/v1/chains',
      summary: 'Each chain with its head, last checkpoint and last verification',
      description: roleNote('auditor, approver, admin'),
      responses: { '200': json(s.chainsResponseSchema, 'chains'), ...common },
    },
    {
      method: 'post',
      path: '/v1/verify',
      summary: 'Verify one chain (or all) now and record the result',
      description: roleNote('auditor, approver, admin'),
      request: { body: { required: false, content: { 'application/json': { schema: s.verifyBodySchema } } } },
      responses: { '200': json(s.verifyResponseSchema, 'verification results'), ...common, ...errors(404) },
    },
    {
      method: 'get',
      path: '/v1/chains/{chain}/proofs/inclusion',
      summary:
        "RFC 9162 inclusion proof of entry `seq` in the chain's Merkle tree of `size` entries (default: all)",
      description: `${roleNote('auditor, approver, admin')} Leaf index is seq - 1; hashes are lowercase hex.`,
      request: { params: proofs.proofParamsSchema, query: proofs.inclusionQuerySchema },
      responses: { '200': json(proofs.inclusionProofSchema, 'the proof'), ...common, ...errors(404) },
    },
    {
      method: 'get',
      path: '/v1/chains/{chain}/proofs/consistency',
      summary:
        'RFC 9162 consistency proof from the tree of `from` entries to the tree of `to` (default: all)',
      description: roleNote('auditor, approver, admin'),
      request: { params: proofs.proofParamsSchema, query: proofs.consistencyQuerySchema },
      responses: { '200': json(proofs.consistencyProofSchema, 'the proof'), ...common, ...errors(404) },
    },
    {
      method: 'get',
      path: '/v1/export',
      summary:
        'Stream the ledger as JSON Lines (per chain its checkpoints and canonical entries, then an end line) or CSV',
      description: roleNote('auditor, approver, admin'),
      request: { query: s.exportQuerySchema },
      responses: {
        '200': {
          description: 'the ledger, streamed',
          content: { 'application/x-ndjson': { schema: s.ledgerEntrySchema }, 'text/csv': {} },
        },
        ...common,
      },
    },
    {
      method: 'get',
      path: '/v1/approvals',
      summary: 'Approval requests (pending ones by default)',
      description: roleNote('auditor, approver, admin'),
      request: { query: s.approvalsQuerySchema },
      responses: { '200': json(s.approvalsResponseSchema, 'approval requests'), ...common },
    },
    {
      method: 'post',
      path: '/v1/approvals/{id}',
      summary: 'Approve or deny a pending request (four eyes: not your own, needs a required role)',
      description:
        `${roleNote('approver, admin')} The approver is the key's principal and roles. Refused with 403 ` +
        'APPROVAL_FORBIDDEN (and an approval_refused entry) when the approver is the principal of the call, ' +
        'the identity that filed it, or the very key that filed it (admin keys too), or holds no required role.',
      request: {
        params: s.approvalParamsSchema,
        body: { required: true, content: { 'application/json': { schema: s.approvalVerdictBodySchema } } },
      },
      responses: {
        '200': json(s.approvalVerdictResponseSchema, 'the verdict'),
        ...common,
        ...errors(404, 409),
      },
    },
    {
      method: 'get',
      path: '/v1/whoami',
      summary: 'The identity and role of the presented key',
      description: roleNote('any'),
      responses: { '200': json(s.whoamiSchema, 'the key identity'), ...errors(401, 429, 503) },
    },
    {
      method: 'get',
      path: '/v1/openapi.json',
      summary: 'This document',
      description: roleNote('any'),
      responses: { '200': { description: 'OpenAPI 3.1 document' }, ...errors(401, 429, 503) },
    },
  ]
  for (const route of routes) registry.registerPath({ ...secured, ...route })
  registry.registerPath({
    method: 'get',
    path: '/healthz',
    summary: 'Liveness',
    responses: { '200': json(s.healthSchema, 'alive') },
  })
  registry.registerPath({
    method: 'get',
    path: '/readyz',
    summary: 'Readiness: database reachable and policy bundle loaded',
    responses: { '200': json(s.readySchema, 'ready'), '503': json(s.readySchema, 'not ready') },
  })
  registry.registerPath({
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics',
    responses: { '200': { description: 'text exposition format' } },
  })
}

let cached: object | undefined

/**
 * Builds the OpenAPI 3.1 document of the HTTP API from the same zod schemas the routes validate with.
 *
 * @example
 * const doc = buildOpenApiDocument()
 * doc.paths['/v1/decisions'].post
 */
export function buildOpenApiDocument(): ReturnType<OpenApiGeneratorV31['generateDocument']> {
  const registry = new OpenAPIRegistry()
  registry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key from `arbiter keys create`',
  })
  registerRoutes(registry)
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Arbiter API',
      version: '1',
      description:
        'Decision API for agents (sidecar), audit queries, approvals and ledger verification. ' +
        'Errors are JSON `{error: {code, message}}` with stable codes.',
    },
  })
}

/** The document, built once per process (the schemas do not change at run time). */
export function openApiDocument(): object {
  cached ??= buildOpenApiDocument()
  return cached
}
