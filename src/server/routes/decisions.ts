import { performance } from 'node:perf_hooks'
import type { Router } from 'express'
import { decisionIdParamsSchema, decisionWaitQuerySchema, outcomeBodySchema } from '../api-schemas.js'
import { requirePermission } from '../auth/authenticate.js'
import { HttpError } from '../http-errors.js'
import type { ServerDeps } from '../server.types.js'
import type { SidecarDecisions } from '../sidecar-decisions.js'
import { parseRequest } from '../validate.js'

/**
 * The sidecar decision API: decide and record, poll (or long-poll) a decision, record its outcome.
 *
 * @example
 * registerDecisionRoutes(v1, deps, sidecar)
 */
export function registerDecisionRoutes(router: Router, deps: ServerDeps, sidecar: SidecarDecisions): void {
  router.post('/decisions', requirePermission('decide'), async (req, res) => {
    const started = performance.now()
    // The guard validates the ToolCallInput with the policy's own zod schema (400 on failure).
    const view = await sidecar.decide(req.body)
    deps.metrics.observeDecisionLatency((performance.now() - started) / 1000, view.decision.action)
    res.status(200).json(view)
  })

  router.get('/decisions/:id', requirePermission('decide', 'read'), async (req, res) => {
    const { id } = parseRequest(decisionIdParamsSchema, req.params, 'params')
    const { wait } = parseRequest(decisionWaitQuerySchema, req.query, 'query')
    const waitMs = Math.min(wait ?? 0, deps.limits.maxWaitSeconds) * 1000
    const abort = new AbortController()
    res.on('close', () => abort.abort())
    res.json(await sidecar.view(id, waitMs, abort.signal))
  })

  router.post('/decisions/:id/outcome', requirePermission('decide'), async (req, res) => {
    const { id } = parseRequest(decisionIdParamsSchema, req.params, 'params')
    const body = parseRequest(outcomeBodySchema, req.body, 'body')
    const linked = await deps.queries.linkedEntries(id, deps.guard.chain)
    if (!linked.some((e) => e.type === 'decision'))
      throw new HttpError('DECISION_NOT_FOUND', `no decision ${id}`)
    if (linked.some((e) => e.type === 'outcome'))
      throw new HttpError('CONFLICT', `decision ${id} already has an outcome`)
    await deps.guard.recordOutcome(id, {
      status: body.status,
      ...(body.duration_ms !== undefined ? { durationMs: body.duration_ms } : {}),
      ...(body.result !== undefined ? { result: body.result } : {}),
      ...(body.error !== undefined ? { error: body.error } : {}),
    })
    const outcome = (await deps.queries.linkedEntries(id, deps.guard.chain)).find((e) => e.type === 'outcome')
    res.json({
      decision_id: id,
      entry: { chain: outcome?.chain ?? deps.guard.chain, seq: outcome?.seq ?? -1 },
    })
  })
}
