import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js'
import {
  ErrorCode,
  type JSONRPCRequest,
  McpError,
  type Notification,
  type Request,
  type Result,
  ResultSchema,
} from '@modelcontextprotocol/sdk/types.js'
import type { ProgressRoutes } from './progress-routes.js'
import type { RelayEndpoint } from './relay-endpoint.js'

/** What a request handler of a {@link RelayEndpoint} is given besides the request. */
export type RelayExtra = RequestHandlerExtra<Request, Notification>

/** How one request is relayed to the other side. */
export interface ForwardOptions {
  /** Give up after this long without an answer or a progress notification, ms. */
  readonly timeoutMs: number
  /**
   * The request of the receiving side this one belongs to (Streamable HTTP sends it on that request's
   * stream). Unset: the receiving transport's default stream.
   */
  readonly relatedRequestId?: string | number
  /** Added to each relayed progress value (and total): progress the gateway itself already sent. */
  readonly progressOffset?: number
}

/**
 * An error answer relayed as the other side gave it: the same JSON-RPC `code`, `message` and `data`.
 * (The SDK's `McpError` prefixes its message with `MCP error <code>:`; the prefix is taken off again,
 * so the client reads what the upstream wrote.)
 * @internal
 */
export class RelayedError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message)
  }
}

function originalMessage(error: McpError): string {
  const prefix = `MCP error ${error.code}: `
  return error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message
}

/** The progress token the sender of `request` asked for, if any (attacker-controlled: type-checked). */
export function progressTokenOf(request: { params?: unknown }): string | number | undefined {
  const params = request.params
  if (typeof params !== 'object' || params === null) return undefined
  const meta = (params as { _meta?: unknown })._meta
  if (typeof meta !== 'object' || meta === null) return undefined
  const token = (meta as { progressToken?: unknown }).progressToken
  return typeof token === 'string' || typeof token === 'number' ? token : undefined
}

/** Longest timer Node accepts: the SDK's own timeout is left to this module's inactivity timer. */
const NEVER_MS = 2_147_483_647

/**
 * Sends `request` (as received, minus its JSON-RPC id, progress token included) to the other side and
 * returns its result unchanged. Progress the other side reports (`routes`) goes back to the sender and
 * restarts the inactivity timeout; when the sender cancels (`extra.signal`), or nothing is heard for
 * `timeoutMs`, the other side gets `notifications/cancelled`.
 *
 * @throws {RelayedError} the other side's error answer, as it gave it.
 * @throws {McpError} ConnectionClosed, or RequestTimeout with `{ timeout }` data, when no answer came.
 * @internal
 */
export async function forwardRequest(
  to: RelayEndpoint,
  request: JSONRPCRequest,
  extra: RelayExtra,
  options: ForwardOptions & { readonly routes: ProgressRoutes },
): Promise<Result> {
  const controller = new AbortController()
  const fromSender = () => controller.abort(extra.signal.reason)
  if (extra.signal.aborted) fromSender()
  else extra.signal.addEventListener('abort', fromSender, { once: true })
  let timer: NodeJS.Timeout | undefined
  const touch = () => {
    clearTimeout(timer)
    timer = setTimeout(() => {
      controller.abort(
        new McpError(ErrorCode.RequestTimeout, `no answer within ${options.timeoutMs} ms`, {
          timeout: options.timeoutMs,
        }),
      )
    }, options.timeoutMs)
  }
  touch()
  const token = progressTokenOf(request)
  const close =
    token === undefined
      ? undefined
      : options.routes.open(token, {
          send: (n) => extra.sendNotification(shifted(n, options.progressOffset ?? 0) as never),
          touch,
        })
  try {
    return await to.request(
      { method: request.method, ...(request.params ? { params: request.params } : {}) },
      ResultSchema,
      {
        signal: controller.signal,
        timeout: NEVER_MS,
        ...(options.relatedRequestId !== undefined ? { relatedRequestId: options.relatedRequestId } : {}),
      },
    )
  } catch (error) {
    throw answeredError(error) ?? error
  } finally {
    clearTimeout(timer)
    close?.()
    extra.signal.removeEventListener('abort', fromSender)
  }
}

/** A progress notification with `offset` added to its `progress` (and `total`, when given). */
function shifted(notification: Notification, offset: number): Notification {
  if (offset === 0) return notification
  const params = notification.params as { progress?: unknown; total?: unknown } & Record<string, unknown>
  return {
    ...notification,
    params: {
      ...params,
      ...(typeof params.progress === 'number' ? { progress: params.progress + offset } : {}),
      ...(typeof params.total === 'number' ? { total: params.total + offset } : {}),
    },
  }
}

/** The other side's error answer (not one the SDK raised for a lost connection or a timeout). */
function answeredError(error: unknown): RelayedError | undefined {
  if (!(error instanceof McpError)) return undefined
  if (isLostAnswer(error)) return undefined
  return new RelayedError(error.code, originalMessage(error), error.data)
}

/**
 * Whether `error` means no answer came (the connection closed, or the request timed out) rather than
 * an error answer. The SDK raises both as `McpError`; its own timeout carries `{ timeout }` as data.
 * @internal
 */
export function isLostAnswer(error: unknown, connectionClosed = false): boolean {
  if (!(error instanceof McpError)) return !(error instanceof RelayedError)
  if (error.code === ErrorCode.ConnectionClosed) return true
  if (connectionClosed) return true
  const data = error.data as { timeout?: unknown } | undefined
  return error.code === ErrorCode.RequestTimeout && typeof data?.timeout === 'number'
}

/** Relays a notification to the other side as received. @internal */
export async function forwardNotification(
  to: RelayEndpoint,
  notification: Notification,
  relatedRequestId?: string | number,
): Promise<void> {
  await to.notification(notification, relatedRequestId !== undefined ? { relatedRequestId } : undefined)
}
