import type { ServerResponse } from 'node:http'
import type Anthropic from '@anthropic-ai/sdk'

type StreamEvent = Anthropic.Messages.RawMessageStreamEvent
type Message = Anthropic.Messages.Message
type ContentBlock = Message['content'][number]

/** Characters per `text_delta` / `input_json_delta`: small, so clients must join fragments as they do for the API. */
const CHUNK = 16

let requestCounter = 0

/**
 * Answers a `stream: true` Messages request the way the API does: `text/event-stream` with one
 * `event: <type>` + `data: <json>` pair per event, in the API's order — `message_start` (the message
 * with empty content and no stop reason), a `ping`, then per content block `content_block_start` (the
 * block with empty text / empty `input`), its deltas (`text_delta`; `input_json_delta` with the input's
 * JSON in fragments, the first one empty as the API sends it) and `content_block_stop`; then
 * `message_delta` (stop reason and final usage) and `message_stop`. Each event is typed against the
 * SDK's `RawMessageStreamEvent`, so the shapes follow the SDK's own definitions.
 */
export function sendMessageStream(res: ServerResponse, message: Message): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'request-id': `req_standin_stream_${++requestCounter}`,
  })
  for (const event of toStreamEvents(message)) writeEvent(res, event.type, event)
  res.end()
}

/** The event sequence for `message`, in order (the `ping` is written between start and first block). */
export function toStreamEvents(message: Message): Array<StreamEvent | { type: 'ping' }> {
  const start: StreamEvent = {
    type: 'message_start',
    message: {
      ...message,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      stop_details: null,
      usage: { ...message.usage, output_tokens: 1 },
    },
  }
  const blocks = message.content.flatMap((block, index) => blockEvents(block, index))
  const delta: StreamEvent = {
    type: 'message_delta',
    delta: {
      container: message.container,
      stop_details: message.stop_details,
      stop_reason: message.stop_reason,
      stop_sequence: message.stop_sequence,
    },
    usage: {
      cache_creation_input_tokens: message.usage.cache_creation_input_tokens,
      cache_read_input_tokens: message.usage.cache_read_input_tokens,
      input_tokens: message.usage.input_tokens,
      output_tokens: message.usage.output_tokens,
      output_tokens_details: message.usage.output_tokens_details,
      server_tool_use: message.usage.server_tool_use,
    },
  }
  return [start, { type: 'ping' }, ...blocks, delta, { type: 'message_stop' }]
}

function blockEvents(block: ContentBlock, index: number): StreamEvent[] {
  const stop: StreamEvent = { type: 'content_block_stop', index }
  if (block.type === 'text') {
    const deltas = chunks(block.text).map(
      (text): StreamEvent => ({ type: 'content_block_delta', index, delta: { type: 'text_delta', text } }),
    )
    return [{ type: 'content_block_start', index, content_block: { ...block, text: '' } }, ...deltas, stop]
  }
  if (block.type === 'tool_use') {
    const json = JSON.stringify(block.input)
    const deltas = ['', ...chunks(json)].map(
      (partial_json): StreamEvent => ({
        type: 'content_block_delta',
        index,
        delta: { type: 'input_json_delta', partial_json },
      }),
    )
    return [{ type: 'content_block_start', index, content_block: { ...block, input: {} } }, ...deltas, stop]
  }
  throw new Error(`the stand-in does not stream ${block.type} blocks`)
}

/** Splits by code points, so no fragment ends inside a surrogate pair. */
function chunks(text: string): string[] {
  const points = Array.from(text)
  const out: string[] = []
  for (let i = 0; i < points.length; i += CHUNK) out.push(points.slice(i, i + CHUNK).join(''))
  return out
}

function writeEvent(res: ServerResponse, type: string, data: unknown): void {
  res.write(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`)
}
