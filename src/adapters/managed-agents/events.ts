import { z } from 'zod'

// Session events arrive from the vendor's stream and list endpoints: parsed here, field by field,
// before the session guard acts on them. Unknown event types and extra fields are tolerated (the
// SDK types call these open unions).

const permission = z.enum(['allow', 'ask', 'deny'])

const evaluation = z.looseObject({ type: z.string() }).nullish()

export const toolUseEventSchema = z.looseObject({
  id: z.string().min(1),
  type: z.enum(['agent.tool_use', 'agent.mcp_tool_use']),
  name: z.string().min(1),
  input: z.record(z.string(), z.unknown()),
  mcp_server_name: z.string().min(1).optional(),
  evaluated_permission: permission.optional(),
  evaluation,
  session_thread_id: z.string().nullish(),
})
export type ToolUseEvent = z.infer<typeof toolUseEventSchema>

export const customToolUseEventSchema = z.looseObject({
  id: z.string().min(1),
  type: z.literal('agent.custom_tool_use'),
  name: z.string().min(1),
  input: z.record(z.string(), z.unknown()),
  session_thread_id: z.string().nullish(),
})
export type CustomToolUseEvent = z.infer<typeof customToolUseEventSchema>

export const toolResultEventSchema = z.union([
  z.looseObject({
    id: z.string().min(1),
    type: z.literal('agent.tool_result'),
    tool_use_id: z.string().min(1),
    content: z.array(z.unknown()).optional(),
    is_error: z.boolean().nullish(),
  }),
  z.looseObject({
    id: z.string().min(1),
    type: z.literal('agent.mcp_tool_result'),
    mcp_tool_use_id: z.string().min(1),
    content: z.array(z.unknown()).optional(),
    is_error: z.boolean().nullish(),
  }),
])
export type ToolResultEvent = z.infer<typeof toolResultEventSchema>

/** A client answer (echoed into the history): marks its tool use as answered. */
export const answerEventSchema = z.union([
  z.looseObject({ type: z.literal('user.tool_confirmation'), tool_use_id: z.string().min(1) }),
  z.looseObject({ type: z.literal('user.custom_tool_result'), custom_tool_use_id: z.string().min(1) }),
  z.looseObject({ type: z.literal('user.tool_result'), tool_use_id: z.string().min(1) }),
])

export const idleEventSchema = z.looseObject({
  type: z.literal('session.status_idle'),
  stop_reason: z.looseObject({ type: z.string() }).nullish(),
})

/** The kinds of event the session guard acts on. */
export type RoutedEvent =
  | { kind: 'tool_use'; event: ToolUseEvent }
  | { kind: 'custom_tool_use'; event: CustomToolUseEvent }
  | { kind: 'tool_result'; event: ToolResultEvent; toolUseId: string }
  | { kind: 'answer'; toolUseId: string }
  | { kind: 'turn_ended' }
  | { kind: 'session_ended' }
  | { kind: 'other'; id?: string }

/**
 * Sorts a raw event into what the guard does with it. A tool event that fails its schema is
 * reported as `malformed` so the guard can refuse to act on it rather than guess.
 */
export function routeEvent(raw: unknown): RoutedEvent | { kind: 'malformed'; type: string; error: string } {
  const type = typeof raw === 'object' && raw !== null ? String((raw as { type?: unknown }).type) : ''
  const parse = <S extends z.ZodType>(schema: S) => schema.safeParse(raw)
  switch (type) {
    case 'agent.tool_use':
    case 'agent.mcp_tool_use': {
      const r = parse(toolUseEventSchema)
      return r.success
        ? { kind: 'tool_use', event: r.data }
        : { kind: 'malformed', type, error: r.error.message }
    }
    case 'agent.custom_tool_use': {
      const r = parse(customToolUseEventSchema)
      return r.success
        ? { kind: 'custom_tool_use', event: r.data }
        : { kind: 'malformed', type, error: r.error.message }
    }
    case 'agent.tool_result':
    case 'agent.mcp_tool_result': {
      const r = parse(toolResultEventSchema)
      if (!r.success) return { kind: 'malformed', type, error: r.error.message }
      const toolUseId = r.data.type === 'agent.tool_result' ? r.data.tool_use_id : r.data.mcp_tool_use_id
      return { kind: 'tool_result', event: r.data, toolUseId }
    }
    case 'user.tool_confirmation':
    case 'user.custom_tool_result':
    case 'user.tool_result': {
      const r = parse(answerEventSchema)
      if (!r.success) return { kind: 'other' }
      const data = r.data
      const toolUseId = data.type === 'user.custom_tool_result' ? data.custom_tool_use_id : data.tool_use_id
      return { kind: 'answer', toolUseId: String(toolUseId) }
    }
    case 'session.status_idle': {
      const r = parse(idleEventSchema)
      // Only `requires_action` leaves the turn open; any other (or unknown) stop reason ends it.
      return r.success && r.data.stop_reason?.type === 'requires_action'
        ? { kind: 'other' }
        : { kind: 'turn_ended' }
    }
    case 'session.status_terminated':
    case 'session.deleted':
      return { kind: 'session_ended' }
    default:
      return { kind: 'other' }
  }
}

/** Text of content blocks (`[{type:'text', text}]`), for deny messages and outcome errors. */
export function contentText(content: readonly unknown[] | undefined): string {
  if (!content) return ''
  return content
    .map((block) =>
      typeof block === 'object' && block !== null && (block as { type?: unknown }).type === 'text'
        ? String((block as { text?: unknown }).text ?? '')
        : '',
    )
    .filter(Boolean)
    .join('\n')
}
