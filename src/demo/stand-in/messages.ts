import { randomBytes } from 'node:crypto'
import type Anthropic from '@anthropic-ai/sdk'
import { z } from 'zod'
import { WireError } from './wire.js'

/** One content block of a scripted assistant turn; ids, citations and callers are filled in by the stand-in. */
export type ScriptedBlock =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; name: string; input: Record<string, unknown> }

/** A scripted assistant reply. `stop_reason` defaults to `tool_use` when a tool is called, else `end_turn`. */
export interface ScriptedTurn {
  content: ScriptedBlock[]
  stop_reason?: 'end_turn' | 'tool_use' | 'max_tokens' | 'stop_sequence' | 'pause_turn' | 'refusal'
}

/** A `POST /v1/messages` body as the stand-in accepts it (the fields it checks; the rest passes through). */
export const messagesRequestSchema = z
  .object({
    model: z.string().min(1),
    max_tokens: z.number().int().min(1),
    messages: z
      .array(
        z.object({
          // 'system' messages may stand between turns (the SDK's SystemMessageParam).
          role: z.enum(['user', 'assistant', 'system']),
          content: z.union([z.string(), z.array(z.looseObject({ type: z.string() }))]),
        }),
      )
      .min(1),
    tools: z.array(z.looseObject({ name: z.string() })).optional(),
    stream: z.boolean().optional(),
  })
  .loose()

export type MessagesRequest = z.infer<typeof messagesRequestSchema>

/** What the script gives for each request: a fixed turn, or one computed from what the client sent. */
export type TurnScript = ScriptedTurn | ((request: MessagesRequest) => ScriptedTurn)

let messageCounter = 0
// Unique across processes, like the real API's ids.
const idPrefix = randomBytes(4).toString('hex')

/**
 * Validates a Messages request the way the API does for the parts the stand-in relies on, including
 * the rule that every `tool_use` of the previous assistant turn is answered by a `tool_result`.
 */
export function parseMessagesRequest(body: unknown): MessagesRequest {
  const parsed = messagesRequestSchema.safeParse(body)
  if (!parsed.success)
    throw new WireError(400, 'invalid_request_error', `invalid messages request: ${parsed.error.message}`)
  const request = parsed.data
  const messages = request.messages
  for (let i = 1; i < messages.length; i++) {
    const previous = messages[i - 1]!
    if (previous.role !== 'assistant' || typeof previous.content === 'string') continue
    const asked = previous.content.filter((b) => b.type === 'tool_use').map((b) => String(b.id))
    if (asked.length === 0) continue
    const current = messages[i]!
    const answered = new Set(
      typeof current.content === 'string'
        ? []
        : current.content.filter((b) => b.type === 'tool_result').map((b) => String(b.tool_use_id)),
    )
    const missing = asked.filter((id) => !answered.has(id))
    if (current.role !== 'user' || missing.length > 0)
      throw new WireError(
        400,
        'invalid_request_error',
        `messages.${i}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}`,
      )
  }
  return request
}

/** Builds the API's `Message` object for a scripted turn (shape of the SDK's `Message` type). */
export function toMessage(request: MessagesRequest, turn: ScriptedTurn): Anthropic.Messages.Message {
  const content = turn.content.map(
    (block): Anthropic.Messages.ContentBlock =>
      block.type === 'text'
        ? { type: 'text', text: block.text, citations: null }
        : {
            type: 'tool_use',
            id: `toolu_${idPrefix}${++messageCounter}`,
            name: block.name,
            input: block.input,
            caller: { type: 'direct' },
          },
  )
  const callsTool = content.some((b) => b.type === 'tool_use')
  const inputChars = JSON.stringify(request.messages).length
  const outputChars = JSON.stringify(content).length
  return {
    id: `msg_${idPrefix}${++messageCounter}`,
    type: 'message',
    role: 'assistant',
    model: request.model,
    content,
    container: null,
    diagnostics: null,
    stop_details: null,
    stop_reason: turn.stop_reason ?? (callsTool ? 'tool_use' : 'end_turn'),
    stop_sequence: null,
    usage: {
      input_tokens: Math.ceil(inputChars / 4),
      output_tokens: Math.ceil(outputChars / 4),
      cache_creation: null,
      cache_creation_input_tokens: null,
      cache_read_input_tokens: null,
      inference_geo: null,
      output_tokens_details: null,
      server_tool_use: null,
      service_tier: 'standard',
      speed: null,
    },
  }
}
