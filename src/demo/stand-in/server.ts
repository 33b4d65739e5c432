import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type MessagesRequest, parseMessagesRequest, type TurnScript, toMessage } from './messages.js'
import { type SessionStart, StandInSession } from './session.js'
import type { SessionStep } from './session-script.js'
import { sendMessageStream } from './stream.js'
import { checkBeta, checkCommonHeaders, readJson, sendError, sendJson, WireError } from './wire.js'

const MANAGED_AGENTS_BETA = 'managed-agents-2026-04-01'

/** A local HTTP server speaking the Anthropic API wire format for the endpoints Arbiter's adapters use. */
export interface StandInServer {
  /** Pass as `baseURL` to the real SDK client. */
  readonly url: string
  /** Queues assistant turns; each `POST /v1/messages` consumes the next one. */
  scriptMessages(...turns: TurnScript[]): void
  /** Every Messages request body received, in order. */
  readonly messageRequests: MessagesRequest[]
  /** Every request received (method and path), in order: shows whether a client retried. */
  readonly requests: ReadonlyArray<{ readonly method: string; readonly path: string }>
  /** From now on, requests with this API key get 401 `authentication_error` (a revoked key). */
  rejectApiKey(key: string): void
  /** Creates a scripted session and returns its id (`sesn_…`). */
  createSession(script: SessionStep[], options?: { startOn?: SessionStart }): string
  session(id: string): StandInSession
  close(): Promise<void>
}

/**
 * Starts the stand-in on 127.0.0.1 with an ephemeral port. It serves `POST /v1/messages` (JSON, or with
 * `stream: true` the API's server-sent event sequence),
 * `GET /v1/sessions/{id}/events` (cursor pages), `GET /v1/sessions/{id}/events/stream` (SSE with
 * `event:` lines, which the SDK's parser requires) and `POST /v1/sessions/{id}/events`. Errors use the
 * API's envelope and statuses: 401 for a missing or revoked key, 404 for an unknown session, 400 for an
 * answer to a tool use that is not waiting (already confirmed, never held).
 *
 * @example
 * const standIn = await startStandInServer()
 * const client = new Anthropic({ apiKey: 'test', baseURL: standIn.url })
 */
export async function startStandInServer(): Promise<StandInServer> {
  const turns: TurnScript[] = []
  const messageRequests: MessagesRequest[] = []
  const sessions = new Map<string, StandInSession>()
  const requests: Array<{ method: string; path: string }> = []
  const rejectedKeys = new Set<string>()

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://stand-in')
    requests.push({ method: req.method ?? '', path: url.pathname })
    checkCommonHeaders(req)
    if (rejectedKeys.has(apiKeyOf(req))) throw new WireError(401, 'authentication_error', 'invalid API key')
    if (req.method === 'POST' && url.pathname === '/v1/messages') {
      const request = parseMessagesRequest(await readJson(req))
      messageRequests.push(request)
      const next = turns.shift()
      if (!next) throw new WireError(500, 'api_error', 'the stand-in script has no more assistant turns')
      const message = toMessage(request, typeof next === 'function' ? next(request) : next)
      if (request.stream) sendMessageStream(res, message)
      else sendJson(res, 200, message)
      return
    }
    const match = /^\/v1\/sessions\/([A-Za-z0-9_-]+)\/events(\/stream)?$/.exec(url.pathname)
    if (!match) throw new WireError(404, 'not_found_error', `no route for ${req.method} ${url.pathname}`)
    checkBeta(req, MANAGED_AGENTS_BETA)
    const session = sessions.get(match[1]!)
    if (!session) throw new WireError(404, 'not_found_error', `session ${match[1]} not found`)
    if (match[2] && req.method === 'GET') return session.attach(res)
    if (!match[2] && req.method === 'GET') return sendJson(res, 200, session.listPage(url.searchParams))
    if (!match[2] && req.method === 'POST') return sendJson(res, 200, session.receive(await readJson(req)))
    throw new WireError(405, 'invalid_request_error', `method ${req.method} not allowed`)
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => sendError(res, error))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}`,
    messageRequests,
    requests,
    rejectApiKey: (key) => {
      rejectedKeys.add(key)
    },
    scriptMessages: (...more) => {
      turns.push(...more)
    },
    createSession(script, options) {
      const id = `sesn_standin_${randomBytes(6).toString('hex')}`
      sessions.set(id, new StandInSession(id, script, options?.startOn ?? 'first_stream'))
      return id
    },
    session(id) {
      const found = sessions.get(id)
      if (!found) throw new Error(`no stand-in session ${id}`)
      return found
    },
    async close() {
      for (const s of sessions.values()) s.dropStreams()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/** The key a request carries: `x-api-key`, or the bearer token (the SDK sends `Authorization: Bearer`). */
function apiKeyOf(req: IncomingMessage): string {
  const key = req.headers['x-api-key']
  if (typeof key === 'string') return key
  const auth = req.headers.authorization ?? ''
  return /^bearer /i.test(auth) ? auth.slice(7).trim() : ''
}
