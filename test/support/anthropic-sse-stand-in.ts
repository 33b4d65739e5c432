import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
// Event shapes from the Anthropic SDK's own type definitions (what the AI SDK's Anthropic provider reads).
import type Anthropic from '@anthropic-ai/sdk'
import { afterEach, beforeEach } from 'vitest'
import {
  type MessagesRequest,
  parseMessagesRequest,
  type TurnScript,
  toMessage,
} from '../../src/demo/stand-in/messages.js'
import { checkCommonHeaders, readJson, sendError, sendJson, WireError } from '../../src/demo/stand-in/wire.js'

/**
 * A Messages API stand-in that also streams (`stream: true`, server-sent events), for the AI SDK's
 * Anthropic provider (`streamText`). It plays the same scripted turns as the demo stand-in
 * (src/demo/stand-in, which answers `stream: false` only) and validates requests the same way.
 */
export interface MessagesSseStandIn {
  /** Pass as the provider's `baseURL` (it ends in `/v1`, like `https://api.anthropic.com/v1`). */
  readonly url: string
  scriptMessages(...turns: TurnScript[]): void
  /** Every request body received, in order, with whether it asked to stream. */
  readonly requests: Array<MessagesRequest & { streamed: boolean }>
  close(): Promise<void>
}

type StreamEvent = Anthropic.Messages.RawMessageStreamEvent

/** The event sequence the API streams for a finished message: start, each block, delta, stop. */
export function toStreamEvents(message: Anthropic.Messages.Message): StreamEvent[] {
  const events: StreamEvent[] = [
    {
      type: 'message_start',
      message: { ...message, content: [], stop_reason: null, usage: { ...message.usage, output_tokens: 1 } },
    },
  ]
  message.content.forEach((block, index) => {
    if (block.type === 'text') {
      events.push({ type: 'content_block_start', index, content_block: { ...block, text: '' } })
      events.push({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: block.text } })
    } else if (block.type === 'tool_use') {
      events.push({ type: 'content_block_start', index, content_block: { ...block, input: {} } })
      const json = JSON.stringify(block.input)
      const half = Math.ceil(json.length / 2)
      for (const partial_json of [json.slice(0, half), json.slice(half)])
        events.push({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json } })
    }
    events.push({ type: 'content_block_stop', index })
  })
  events.push({
    type: 'message_delta',
    delta: { stop_reason: message.stop_reason, stop_sequence: null, container: null, stop_details: null },
    usage: {
      input_tokens: message.usage.input_tokens,
      output_tokens: message.usage.output_tokens,
      cache_creation_input_tokens: null,
      cache_read_input_tokens: null,
      output_tokens_details: null,
      server_tool_use: null,
    },
  })
  events.push({ type: 'message_stop' })
  return events
}

/**
 * The API leaves `citations` out of a text block when citations are off; the demo stand-in writes
 * `citations: null` (the SDK type allows it), which the AI SDK's Anthropic provider rejects.
 */
function withoutNullCitations(message: Anthropic.Messages.Message): Record<string, unknown> {
  const content = (message.content as unknown as Array<Record<string, unknown>>).map(
    ({ citations, ...block }) => (citations === null ? block : { ...block, citations }),
  )
  return { ...message, content }
}

/** Starts the stand-in on 127.0.0.1 with an ephemeral port. */
export async function startMessagesSseStandIn(): Promise<MessagesSseStandIn> {
  const turns: TurnScript[] = []
  const requests: MessagesSseStandIn['requests'] = []
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    checkCommonHeaders(req)
    if (req.method !== 'POST' || req.url !== '/v1/messages')
      throw new WireError(404, 'not_found_error', `no route for ${req.method} ${req.url}`)
    const body = await readJson(req)
    const streamed =
      typeof body === 'object' && body !== null && (body as { stream?: unknown }).stream === true
    // The demo stand-in's validation (tool_use answered by tool_result…); `stream` is handled here.
    const request = parseMessagesRequest(streamed ? { ...(body as object), stream: false } : body)
    requests.push({ ...request, streamed })
    const next = turns.shift()
    if (!next) throw new WireError(500, 'api_error', 'the stand-in script has no more assistant turns')
    const message = withoutNullCitations(
      toMessage(request, typeof next === 'function' ? next(request) : next),
    )
    if (!streamed) return sendJson(res, 200, message)
    res.writeHead(200, { 'content-type': 'text/event-stream', 'request-id': `req_sse_${requests.length}` })
    for (const event of toStreamEvents(message as unknown as Anthropic.Messages.Message))
      res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`)
    res.end()
  }
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => sendError(res, error))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    scriptMessages: (...more) => void turns.push(...more),
    async close() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/** A fresh stand-in per test. */
export function useMessagesSseStandIn(): { readonly standIn: MessagesSseStandIn } {
  let standIn: MessagesSseStandIn | undefined
  beforeEach(async () => {
    standIn = await startMessagesSseStandIn()
  })
  afterEach(async () => {
    await standIn?.close()
  })
  return {
    get standIn() {
      return standIn!
    },
  }
}
