import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js'
import {
  ErrorCode,
  type JSONRPCRequest,
  McpError,
  type Notification,
  type Progress,
  type Request,
  type Result,
  ResultSchema,
} from '@modelcontextprotocol/sdk/types.js'
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

/**
 * Sends `request` (as received, minus its JSON-RPC id) to the other side and returns its result
 * unchanged. Progress the other side reports is passed back under the sender's own progress token;
 * when the sender cancels (`extra.signal`), the other side gets `notifications/cancelled`.
 *
 * @throws {RelayedError} the other side's error answer, as it gave it.
 * @throws {McpError} ConnectionClosed / RequestTimeout raised by the SDK when no answer came.
 * @internal
 */
export async function forwardRequest(
  to: RelayEndpoint,
  request: JSONRPCRequest,
  extra: RelayExtra,
  options: ForwardOptions,
): Promise<Result> {
  const token = progressTokenOf(request)
  const onprogress =
    token === undefined
      ? undefined
      : (progress: Progress) => {
          void extra
            .sendNotification({
              method: 'notifications/progress',
              params: { ...progress, progressToken: token },
            })
            .catch(() => {})
        }
  try {
    return await to.request(
      { method: request.method, ...(request.params ? { params: request.params } : {}) },
      ResultSchema,
      {
        signal: extra.signal,
        timeout: options.timeoutMs,
        resetTimeoutOnProgress: true,
        ...(onprogress ? { onprogress } : {}),
        ...(options.relatedRequestId !== undefined ? { relatedRequestId: options.relatedRequestId } : {}),
      },
    )
  } catch (error) {
    throw answeredError(error) ?? error
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
