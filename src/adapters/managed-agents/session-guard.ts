import Anthropic from '@anthropic-ai/sdk'
import { ArbiterError, describeError, silentLogger } from '../../shared/index.js'
import { routeEvent } from './events.js'
import type { SessionGuard, SessionGuardOptions, SessionGuardSummary } from './session-guard.types.js'
import { ToolEventHandlers } from './tool-events.js'

export type SessionGuardErrorCode = 'SESSION_STREAM_FAILED'

/** The session's event stream could not be (re)opened: a permanent API error or too many retries. */
export class SessionGuardError extends ArbiterError<SessionGuardErrorCode> {}

const LIST_PAGE_SIZE = 100

/**
 * Guards one Managed Agents session: follows its event stream, answers held tool uses with
 * `user.tool_confirmation`, runs custom tools locally through the guard, records what the runtime
 * decided on its own (and conflicts with policy), and links tool results as outcomes. On a dropped
 * stream it reconnects with backoff and catches up from the event list; every act is de-duplicated by
 * event id through memory and the ledger, so restarts do not repeat decisions or confirmations.
 *
 * @throws {SessionGuardError} SESSION_STREAM_FAILED from `run` on a permanent API error or after `maxAttempts` reconnects.
 * @example
 * const sessionGuard = createSessionGuard({
 *   client, guard, sessionId,
 *   agent: { id: 'care-assistant', runtime: 'anthropic-managed-agents' },
 *   principal: { id: 'nurse-7', roles: ['nurse'] },
 *   customTools: { lookup_formulary: { run: lookupFormulary } },
 *   interruptOnConflict: true,
 * })
 * const summary = await sessionGuard.run()
 */
export function createSessionGuard(options: SessionGuardOptions): SessionGuard {
  const { client, sessionId } = options
  const logger = options.logger ?? silentLogger
  const initialMs = options.reconnect?.initialMs ?? 250
  const maxMs = options.reconnect?.maxMs ?? 10_000
  const maxAttempts = options.reconnect?.maxAttempts ?? 8
  const handlers = new ToolEventHandlers(options)
  let reconnects = 0
  let stopped = false
  let controller: AbortController | undefined

  /** Acts on one event; returns true when the turn (or the session) is over. */
  const handle = async (raw: unknown): Promise<boolean> => {
    const routed = routeEvent(raw)
    switch (routed.kind) {
      case 'tool_use':
        await handlers.onToolUse(routed.event)
        return false
      case 'custom_tool_use':
        await handlers.onCustomToolUse(routed.event)
        return false
      case 'tool_result':
        await handlers.onToolResult(routed.event, routed.toolUseId)
        return false
      case 'answer':
        handlers.answered.add(routed.toolUseId)
        return false
      case 'turn_ended':
      case 'session_ended':
        return true
      case 'malformed':
        handlers.tally.failures++
        logger.error({ type: routed.type, error: routed.error }, 'malformed session event; not acted on')
        return false
      default:
        return false
    }
  }

  /** Reads the whole history: answers first (so nothing answered is re-done), then every event in order. */
  const catchUp = async (signal: AbortSignal): Promise<boolean> => {
    const history: unknown[] = []
    for await (const event of client.beta.sessions.events.list(
      sessionId,
      { limit: LIST_PAGE_SIZE },
      { signal },
    ))
      history.push(event)
    for (const event of history) {
      const routed = routeEvent(event)
      if (routed.kind === 'answer') handlers.answered.add(routed.toolUseId)
    }
    let ended = false
    for (const event of history) {
      const over = await handle(event)
      const type = (event as { type?: unknown }).type
      // A later event reopens the turn (a new message, a status change to running).
      ended = over || (ended && type !== 'session.status_running' && type !== 'user.message')
    }
    return ended
  }

  const summary = (): SessionGuardSummary => ({
    decisions: handlers.tally.decisions,
    confirmations: { allow: handlers.tally.allow, deny: handlers.tally.deny },
    customToolResults: handlers.tally.customToolResults,
    conflicts: handlers.tally.conflicts,
    outcomes: handlers.tally.outcomes,
    reconnects,
    failures: handlers.tally.failures,
  })

  const follow = async (signal: AbortSignal): Promise<boolean> => {
    // Attach before reading the history so nothing emitted in between is lost; duplicates are skipped.
    const stream = await client.beta.sessions.events.stream(sessionId, {}, { signal })
    try {
      if (await catchUp(signal)) return true
      for await (const event of stream) {
        if (await handle(event)) return true
      }
      return false
    } finally {
      stream.controller.abort()
    }
  }

  return {
    async run() {
      let attempt = 0
      let delay = initialMs
      while (!stopped) {
        controller = new AbortController()
        try {
          if (await follow(controller.signal)) return summary()
          attempt = 0
          delay = initialMs
        } catch (error) {
          if (stopped) break
          if (isPermanent(error))
            throw new SessionGuardError(
              'SESSION_STREAM_FAILED',
              `session stream failed: ${describeError(error)}`,
              {
                cause: error,
              },
            )
          logger.warn(
            { sessionId, err: describeError(error), attempt },
            'session stream dropped; reconnecting',
          )
        }
        if (stopped) break
        attempt++
        if (attempt > maxAttempts)
          throw new SessionGuardError(
            'SESSION_STREAM_FAILED',
            `session stream lost after ${maxAttempts} reconnects`,
          )
        reconnects++
        await new Promise((resolve) => setTimeout(resolve, delay))
        delay = Math.min(delay * 2, maxMs)
      }
      return summary()
    },
    stop() {
      stopped = true
      controller?.abort()
    },
  }
}

/** 4xx answers other than timeouts and rate limits will not get better by retrying. */
function isPermanent(error: unknown): boolean {
  return (
    error instanceof Anthropic.APIError &&
    typeof error.status === 'number' &&
    error.status >= 400 &&
    error.status < 500 &&
    error.status !== 408 &&
    error.status !== 409 &&
    error.status !== 429
  )
}
