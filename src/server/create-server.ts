import { existsSync } from 'node:fs'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { dirname, join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import express, { type Express } from 'express'
import helmet from 'helmet'
import { authenticate, principalOf } from './auth/authenticate.js'
import { createCachedKeyStore } from './auth/cached-key-store.js'
import { whoamiOf } from './auth/key-binding.js'
import { errorHandler, HttpError, sendError } from './http-errors.js'
import { openApiDocument } from './openapi.js'
import { failedSignInLimit, keyRateLimit } from './rate-limits.js'
import { registerApprovalRoutes } from './routes/approvals.js'
import { registerChainRoutes } from './routes/chains.js'
import { registerDecisionRoutes } from './routes/decisions.js'
import { registerEntryRoutes } from './routes/entries.js'
import { registerOperationsRoutes } from './routes/operations.js'
import { registerProofRoutes } from './routes/proofs.js'
import { registerTlogRoutes } from './routes/tlog.js'
import { defaultLimits, type ServerDeps, type ServerLimits } from './server.types.js'
import { createSidecarDecisions } from './sidecar-decisions.js'

/** A created server: the express app, and `listen` for a real socket. */
export interface ArbiterServer {
  readonly app: Express
  /** Listens on `host:port` (port 0 picks a free one); resolves with the base URL and a closer. */
  listen(options?: { port?: number; host?: string }): Promise<{ url: string; close(): Promise<void> }>
}

/**
 * Static UI files: next to this module, in a source run (src/server/ui) and in a build (dist/server/ui,
 * copied by scripts/build.mjs); a dist/ compiled by tsc alone falls back to the checkout's source folder.
 */
export function uiDirectory(): string {
  const here = dirname(fileURLToPath(import.meta.url))
  const candidates = [join(here, 'ui'), join(here, '..', '..', 'src', 'server', 'ui')]
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? candidates[0]!
}

const contentSecurityPolicy = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'", 'data:'],
    connectSrc: ["'self'"],
    fontSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'none'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  },
}

/**
 * Creates the HTTP server: sidecar decision API, audit API, approvals, operations routes and the
 * compliance web UI. It builds nothing itself; every store and service comes from `deps`.
 *
 * @example
 * const server = createServer({ guard, ledger, queries, keys, verify, verifications, metrics, ready, logger, clock: systemClock })
 * const { url, close } = await server.listen({ port: 8080, host: '127.0.0.1' })
 */
export function createServer(
  deps: Omit<ServerDeps, 'limits'> & { limits?: Partial<ServerLimits> },
): ArbiterServer {
  const full: ServerDeps = { ...deps, limits: { ...defaultLimits, ...deps.limits } }
  const sidecar = createSidecarDecisions({
    guard: full.guard,
    queries: full.queries,
    logger: full.logger,
  })
  // What this process waits on, counted by the approval poller: a scrape reads no database.
  full.metrics.setPendingApprovalsSource(() => full.guard.approvals.waiting())
  const keys = createCachedKeyStore(full.keys, { ttlMs: full.limits.keyCacheTtlMs, clock: full.clock })
  const app = express()
  app.disable('x-powered-by')
  app.set('query parser', 'simple')
  // API answers are `no-store`: a SHA-1 ETag of every body would be work for nothing. (The UI's static
  // files keep theirs: express.static sets its own.)
  app.set('etag', false)
  // Decides what `req.ip` is, and so whose failed sign-ins count against whom (see README).
  app.set('trust proxy', full.limits.trustProxy)
  if (full.limits.trustProxy === true)
    full.logger.warn(
      'trust proxy is true: X-Forwarded-For is believed from every client; safe only when every request passes a proxy that overwrites it',
    )
  app.use(helmet({ contentSecurityPolicy }))
  // Per-request logging costs a closure and a listener per request: only when debug is on.
  if (full.logger.isLevelEnabled('debug'))
    app.use((req, res, next) => {
      const started = performance.now()
      // Method, path and status only: never headers (the API key) or bodies (tool arguments).
      res.on('finish', () =>
        full.logger.debug(
          {
            method: req.method,
            path: req.path,
            status: res.statusCode,
            ms: Math.round(performance.now() - started),
          },
          'http request',
        ),
      )
      next()
    })

  registerOperationsRoutes(app, full)

  const v1 = express.Router()
  v1.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store')
    next()
  })
  v1.use(authenticate(keys))
  // Only failed sign-ins reach this one (it handles the 401 error), counted per address.
  v1.use(failedSignInLimit(full.limits))
  v1.use(keyRateLimit(full.limits))
  // Size limit is enforced while reading, before any JSON parsing.
  v1.use(express.json({ limit: full.limits.bodyBytes, strict: true }))
  v1.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument())
  })
  v1.get('/whoami', (_req, res) => {
    res.json(whoamiOf(principalOf(res)))
  })
  registerDecisionRoutes(v1, full, sidecar)
  registerEntryRoutes(v1, full)
  registerChainRoutes(v1, full)
  registerProofRoutes(v1, full)
  registerApprovalRoutes(v1, full)
  v1.use(() => {
    throw new HttpError('NOT_FOUND', 'no such API route')
  })
  app.use('/v1', v1)

  // C2SP tlog-tiles: the same authentication, limits and roles as the API, binary and text answers.
  const tlog = express.Router()
  tlog.use(authenticate(keys))
  tlog.use(failedSignInLimit(full.limits))
  tlog.use(keyRateLimit(full.limits))
  registerTlogRoutes(tlog, full)
  tlog.use(() => {
    throw new HttpError('NOT_FOUND', 'no such tlog resource')
  })
  app.use('/tlog', tlog)

  app.use(express.static(uiDirectory(), { index: 'index.html', maxAge: 0 }))
  app.use((_req, res) => {
    sendError(res, 'NOT_FOUND', 'not found')
  })
  app.use(errorHandler(full.logger))

  return {
    app,
    listen({ port = 0, host = '127.0.0.1' } = {}) {
      return new Promise((resolve, reject) => {
        const server: Server = app.listen(port, host, (error?: Error) => {
          if (error) return reject(error)
          const address = server.address() as AddressInfo
          const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address
          resolve({
            url: `http://${shownHost}:${address.port}`,
            close: () =>
              new Promise<void>((done) => {
                sidecar.close()
                server.closeAllConnections()
                server.close(() => done())
              }),
          })
        })
      })
    },
  }
}
