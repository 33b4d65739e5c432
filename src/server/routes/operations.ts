import type { Router } from 'express'
import type { ServerDeps } from '../server.types.js'

/**
 * Unauthenticated operations routes, outside /v1: liveness, readiness and Prometheus metrics.
 * They reveal no ledger content (metrics carry counts and rule ids only).
 *
 * @example
 * registerOperationsRoutes(app, deps)
 */
export function registerOperationsRoutes(router: Router, deps: ServerDeps): void {
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' })
  })

  router.get('/readyz', async (_req, res) => {
    const checks = await deps.ready().catch(() => ({ database: false, bundle: false }))
    const ready = checks.database && checks.bundle
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', checks })
  })

  router.get('/metrics', async (_req, res) => {
    const text = await deps.metrics.registry.metrics()
    res.type(deps.metrics.registry.contentType).send(text)
  })
}
