import type { BlockingEvent } from './session-script.js'
import { WireError } from './wire.js'

/**
 * Refuses a client answer the way the API does (400 `invalid_request_error`): an answer to a tool use
 * that is not waiting for one (never held, or already answered: "already confirmed"), or a malformed one.
 */
export function checkAnswer(
  blocking: ReadonlyMap<string, BlockingEvent>,
  event: Record<string, unknown>,
): void {
  if (event.type === 'user.tool_confirmation') {
    const target = blocking.get(String(event.tool_use_id))
    if (target?.kind !== 'confirmation')
      throw new WireError(
        400,
        'invalid_request_error',
        `no tool use ${String(event.tool_use_id)} awaits confirmation`,
      )
    if (target.answer)
      throw new WireError(400, 'invalid_request_error', `tool use ${target.id} was already confirmed`)
    if (event.result !== 'allow' && event.result !== 'deny')
      throw new WireError(400, 'invalid_request_error', 'result must be allow or deny')
    if (event.result === 'allow' && event.deny_message != null)
      throw new WireError(400, 'invalid_request_error', 'deny_message is only allowed when result is deny')
  }
  if (event.type === 'user.custom_tool_result') {
    const target = blocking.get(String(event.custom_tool_use_id))
    if (target?.kind !== 'custom_result')
      throw new WireError(
        400,
        'invalid_request_error',
        `no custom tool use ${String(event.custom_tool_use_id)}`,
      )
    if (target.answer)
      throw new WireError(400, 'invalid_request_error', `custom tool use ${target.id} already answered`)
  }
}

/** The API's answer during an outage: 529 `overloaded_error`, or `api_error` for 500/503. */
export function refusalError(status: number): WireError {
  return status === 529
    ? new WireError(529, 'overloaded_error', 'Overloaded')
    : new WireError(status, 'api_error', 'Internal server error')
}
