import { z } from 'zod'
import { parseWith } from '../../shared/index.js'

// Hook inputs arrive from the Claude Code child process; `tool_input` and `tool_response` are built
// from what the model proposed and what the tool returned. Parsed here, before anything reads them.

const id = z.string().min(1).max(256)
const provenance = z.looseObject({ name: z.string().max(256), source: z.string().max(64) })

const toolEvent = {
  session_id: z.string().max(256).optional(),
  tool_name: z.string().min(1).max(512),
  tool_input: z.unknown(),
  tool_use_id: id,
  agent_id: z.string().max(256).optional(),
  mcp_server: provenance.optional(),
  permission_mode: z.string().max(64).optional(),
}

const preToolUseSchema = z.looseObject({ hook_event_name: z.literal('PreToolUse'), ...toolEvent })

const postToolUseSchema = z.looseObject({
  hook_event_name: z.literal('PostToolUse'),
  ...toolEvent,
  tool_response: z.unknown(),
  duration_ms: z.number().nonnegative().optional(),
})

const postToolUseFailureSchema = z.looseObject({
  hook_event_name: z.literal('PostToolUseFailure'),
  ...toolEvent,
  error: z.string(),
  is_interrupt: z.boolean().optional(),
  duration_ms: z.number().nonnegative().optional(),
})

export type PreToolUseInput = z.infer<typeof preToolUseSchema>
export type PostToolUseInput = z.infer<typeof postToolUseSchema>
export type PostToolUseFailureInput = z.infer<typeof postToolUseFailureSchema>

/** @throws {ValidationError} VALIDATION_FAILED for anything but a PreToolUse input. */
export const parsePreToolUse = (input: unknown): PreToolUseInput =>
  parseWith(preToolUseSchema, input, 'PreToolUse hook input')

/** @throws {ValidationError} VALIDATION_FAILED for anything but a PostToolUse input. */
export const parsePostToolUse = (input: unknown): PostToolUseInput =>
  parseWith(postToolUseSchema, input, 'PostToolUse hook input')

/** @throws {ValidationError} VALIDATION_FAILED for anything but a PostToolUseFailure input. */
export const parsePostToolUseFailure = (input: unknown): PostToolUseFailureInput =>
  parseWith(postToolUseFailureSchema, input, 'PostToolUseFailure hook input')
