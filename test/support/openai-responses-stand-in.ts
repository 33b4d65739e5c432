import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
// The wire shapes come from the openai package's own type definitions (what @openai/agents sends and reads).
import type {
  Response,
  ResponseFunctionToolCall,
  ResponseOutputItem,
  ResponseOutputMessage,
  ResponseStreamEvent,
} from 'openai/resources/responses/responses'
import { afterEach, beforeEach } from 'vitest'
import { z } from 'zod'
import { readJson, WireError } from '../../src/demo/stand-in/wire.js'

/** One output item of a scripted model turn; ids and statuses are filled in by the stand-in. */
export type ScriptedOutput =
  | { type: 'function_call'; name: string; arguments: Record<string, unknown>; callId?: string }
  | { type: 'message'; text: string }

/** A `POST /v1/responses` body as the stand-in accepts it (the fields it checks; the rest passes through). */
const responsesRequestSchema = z.looseObject({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(z.looseObject({ type: z.string().optional() }))]),
  tools: z.array(z.looseObject({ type: z.string(), name: z.string().optional() })).optional(),
  stream: z.boolean().nullish(),
})
export type ResponsesRequest = z.infer<typeof responsesRequestSchema>

export type ResponseScript = ScriptedOutput[] | ((request: ResponsesRequest) => ScriptedOutput[])

/** A local server speaking the OpenAI Responses API (`POST /v1/responses`, JSON and SSE streaming). */
export interface ResponsesStandIn {
  /** Pass as `baseURL` (it ends in `/v1`, like `https://api.openai.com/v1`). */
  readonly url: string
  /** Queues model turns; each request consumes the next one. */
  script(...turns: ResponseScript[]): void
  /** Every request body received, in order. */
  readonly requests: ResponsesRequest[]
  close(): Promise<void>
}

const idPrefix = randomBytes(4).toString('hex')
let counter = 0
const nextId = (prefix: string) => `${prefix}_${idPrefix}${(++counter).toString().padStart(6, '0')}`

/** The text of the `function_call_output` items the client sent last: what the scripted model "reads". */
export function lastToolOutputs(request: ResponsesRequest): string[] {
  if (typeof request.input === 'string') return []
  return request.input
    .filter((item) => item.type === 'function_call_output')
    .map((item) => (typeof item.output === 'string' ? item.output : JSON.stringify(item.output)))
}

/**
 * The API's rule for a conversation sent in full: every `function_call` in `input` is answered by a
 * `function_call_output` with its `call_id` (400 otherwise, as the real API answers).
 */
function checkToolOutputs(request: ResponsesRequest): void {
  if (typeof request.input === 'string') return
  const answered = new Set(
    request.input.filter((i) => i.type === 'function_call_output').map((i) => String(i.call_id)),
  )
  for (const item of request.input)
    if (item.type === 'function_call' && !answered.has(String(item.call_id)))
      throw new WireError(
        400,
        'invalid_request_error',
        `No tool output found for function call ${String(item.call_id)}.`,
      )
}

function toItem(output: ScriptedOutput): ResponseOutputItem {
  if (output.type === 'message')
    return {
      id: nextId('msg'),
      type: 'message',
      role: 'assistant',
      status: 'completed',
      content: [{ type: 'output_text', text: output.text, annotations: [], logprobs: [] }],
    } satisfies ResponseOutputMessage
  return {
    id: nextId('fc'),
    type: 'function_call',
    call_id: output.callId ?? nextId('call'),
    name: output.name,
    arguments: JSON.stringify(output.arguments),
    status: 'completed',
  } satisfies ResponseFunctionToolCall
}

/** `output_text` is computed by the SDK client from `output`; the API does not send it. */
type WireResponse = Omit<Response, 'output_text'>
const asResponse = (response: object) => response as unknown as Response

/** A stream event before the stand-in numbers it (Omit over each member of the union). */
type Unnumbered = ResponseStreamEvent extends infer E
  ? E extends unknown
    ? Omit<E, 'sequence_number'>
    : never
  : never

function toResponse(request: ResponsesRequest, output: ResponseOutputItem[]): WireResponse {
  const inputTokens = Math.ceil(JSON.stringify(request.input).length / 4)
  const outputTokens = Math.ceil(JSON.stringify(output).length / 4)
  return {
    id: nextId('resp'),
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    completed_at: Math.floor(Date.now() / 1000),
    status: 'completed',
    error: null,
    incomplete_details: null,
    instructions: null,
    metadata: {},
    model: request.model,
    output,
    parallel_tool_calls: true,
    temperature: 1,
    top_p: 1,
    tool_choice: 'auto',
    tools: [],
    usage: {
      input_tokens: inputTokens,
      input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
      output_tokens: outputTokens,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: inputTokens + outputTokens,
    },
  }
}

/** The event sequence the API streams for a finished response, in order (see ResponseStreamEvent). */
function toEvents(response: WireResponse): ResponseStreamEvent[] {
  const events: Unnumbered[] = []
  const started = asResponse({ ...response, status: 'in_progress', output: [], usage: undefined })
  events.push({ type: 'response.created', response: started })
  events.push({ type: 'response.in_progress', response: started })
  response.output.forEach((item, output_index) => {
    if (item.type === 'function_call') {
      events.push({
        type: 'response.output_item.added',
        output_index,
        item: { ...item, arguments: '', status: 'in_progress' },
      })
      const half = Math.ceil(item.arguments.length / 2)
      for (const delta of [item.arguments.slice(0, half), item.arguments.slice(half)])
        events.push({
          type: 'response.function_call_arguments.delta',
          item_id: item.id!,
          output_index,
          delta,
        })
      events.push({
        type: 'response.function_call_arguments.done',
        item_id: item.id!,
        output_index,
        name: item.name,
        arguments: item.arguments,
      })
    } else if (item.type === 'message') {
      const part = item.content[0]!
      const text = part.type === 'output_text' ? part.text : ''
      const item_id = item.id
      events.push({
        type: 'response.output_item.added',
        output_index,
        item: { ...item, status: 'in_progress', content: [] },
      })
      events.push({
        type: 'response.content_part.added',
        item_id,
        output_index,
        content_index: 0,
        part: { type: 'output_text', text: '', annotations: [] },
      })
      events.push({
        type: 'response.output_text.delta',
        item_id,
        output_index,
        content_index: 0,
        delta: text,
        logprobs: [],
      })
      events.push({
        type: 'response.output_text.done',
        item_id,
        output_index,
        content_index: 0,
        text,
        logprobs: [],
      })
      events.push({
        type: 'response.content_part.done',
        item_id,
        output_index,
        content_index: 0,
        part: { type: 'output_text', text, annotations: [] },
      })
    }
    events.push({ type: 'response.output_item.done', output_index, item })
  })
  events.push({ type: 'response.completed', response: asResponse(response) })
  return events.map((event, sequence_number) => ({ ...event, sequence_number }) as ResponseStreamEvent)
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-request-id': nextId('req'),
  })
  res.end(text)
}

/** Errors in the API's envelope: `{error: {message, type, param, code}}`. */
function sendError(res: ServerResponse, error: unknown): void {
  if (res.headersSent) return void res.destroy()
  const wire = error instanceof WireError ? error : new WireError(500, 'server_error', String(error))
  send(res, wire.status, { error: { message: wire.message, type: wire.type, param: null, code: null } })
}

/**
 * Starts the stand-in on 127.0.0.1 (ephemeral port): `POST /v1/responses` with a bearer key, a full
 * conversation in `input` (every function call answered), answered with the next scripted turn as a
 * `Response` object, or with `stream: true` as server-sent events (`event:` and `data:` lines).
 */
export async function startResponsesStandIn(): Promise<ResponsesStandIn> {
  const turns: ResponseScript[] = []
  const requests: ResponsesRequest[] = []
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (!/^Bearer \S+/.test(req.headers.authorization ?? ''))
      throw new WireError(401, 'invalid_request_error', 'You did not provide an API key.')
    if (req.method !== 'POST' || req.url !== '/v1/responses')
      throw new WireError(404, 'invalid_request_error', `Invalid URL (${req.method} ${req.url})`)
    const parsed = responsesRequestSchema.safeParse(await readJson(req))
    if (!parsed.success) throw new WireError(400, 'invalid_request_error', parsed.error.message)
    const request = parsed.data
    checkToolOutputs(request)
    requests.push(request)
    const next = turns.shift()
    if (!next) throw new WireError(500, 'server_error', 'the stand-in script has no more model turns')
    const response = toResponse(request, (typeof next === 'function' ? next(request) : next).map(toItem))
    if (!request.stream) return send(res, 200, response)
    res.writeHead(200, { 'content-type': 'text/event-stream', 'x-request-id': nextId('req') })
    for (const event of toEvents(response))
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
    script: (...more) => void turns.push(...more),
    async close() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/**
 * A fresh Responses stand-in per test.
 *
 * @example
 * const api = useResponsesStandIn()
 * it('…', () => { api.standIn.script([{ type: 'message', text: 'hi' }]) })
 */
export function useResponsesStandIn(): { readonly standIn: ResponsesStandIn } {
  let standIn: ResponsesStandIn | undefined
  beforeEach(async () => {
    standIn = await startResponsesStandIn()
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
