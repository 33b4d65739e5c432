import { performance } from 'node:perf_hooks'
import type { Router } from 'express'
import { decisionIdParamsSchema, decisionWaitQuerySchema, outcomeBodySchema } from '../api-schemas.js'
import { principalOf, requirePermission } from '../auth/authenticate.js'
import { bindToolCall, callerOf } from '../auth/key-binding.js'
import { roleAllows } from '../auth/roles.js'
import { HttpError } from '../http-errors.js'
import type { ServerDeps } from '../server.types.js'
import type { DecisionView, SidecarDecisions } from '../sidecar-decisions.js'
import { parseRequest } from '../validate.js'

/** True when `view` was asked for by the key `keyId` (in-process decisions were asked by no key). */
const askedBy = (view: DecisionView, keyId: string) => view.caller?.key_id === keyId

/**
 * The sidecar decision API: decide and record, poll (or long-poll) a decision, record its outcome.
 * Identity comes from the API key's binding (docs/trust-model.md): the call's agent and principal must
 * lie within it; only the key that asked may read (unless it may read the ledger) and report the
 * outcome; an outcome is accepted only for a call that may run, once (a database constraint).
 *
 * @example
 * registerDecisionRoutes(v1, deps, sidecar)
 */
export function registerDecisionRoutes(router: Router, deps: ServerDeps, sidecar: SidecarDecisions): void {
  router.post('/decisions', requirePermission('decide'), async (req, res) => {
    const started = performance.now()
    const key = principalOf(res)
    // Malformed input is refused first (400, whoever sends it); then agent and principal are checked
    // against the key's binding (403); the guard validates the rest (400).
    deps.guard.admit(req.body)
    const view = await sidecar.decide(bindToolCall(key, req.body), callerOf(key))
    deps.metrics.observeDecisionLatency((performance.now() - started) / 1000, view.decision.action)
    res.status(200).json(view)
  })

  router.get('/decisions/:id', requirePermission('decide', 'read'), async (req, res) => {
    const { id } = parseRequest(decisionIdParamsSchema, req.params, 'params')
    const { wait } = parseRequest(decisionWaitQuerySchema, req.query, 'query')
    const waitMs = Math.min(wait ?? 0, deps.limits.maxWaitSeconds) * 1000
    const abort = new AbortController()
    res.on('close', () => abort.abort())
    const key = principalOf(res)
    const view = await sidecar.view(id, waitMs, abort.signal)
    // An agent key sees its own decisions only; keys that read the ledger see them all anyway.
    if (!roleAllows(key.role, 'read') && !askedBy(view, key.keyId))
      throw new HttpError('FORBIDDEN', `decision ${id} was asked for by another key`)
    res.json(view)
  })

  router.post('/decisions/:id/outcome', requirePermission('decide'), async (req, res) => {
    const { id } = parseRequest(decisionIdParamsSchema, req.params, 'params')
    const body = parseRequest(outcomeBodySchema, req.body, 'body')
    const key = principalOf(res)
    const view = await sidecar.view(id, 0)
    if (!askedBy(view, key.keyId))
      throw new HttpError(
        'FORBIDDEN',
        `decision ${id} was asked for by another key; only that key reports its outcome`,
      )
    if (view.status === 'pending')
      throw new HttpError(
        'DECISION_PENDING',
        `decision ${id} is still waiting for approval; the tool may not run yet`,
      )
    if (view.status === 'denied' || view.status === 'rejected')
      throw new HttpError(
        'DECISION_DENIED',
        `decision ${id} was ${view.status}; the tool may not run, so there is no outcome to record`,
      )
    // Exactly once is the database's job (migration 0101): a second outcome is GUARD_ALREADY_RECORDED (409).
    const entry = await deps.guard.recordOutcome(id, {
      status: body.status,
      ...(body.duration_ms !== undefined ? { durationMs: body.duration_ms } : {}),
      ...(body.result !== undefined ? { result: body.result } : {}),
      ...(body.error !== undefined ? { error: body.error } : {}),
      caller: callerOf(key),
    })
    res.json({ decision_id: id, entry })
  })
}
