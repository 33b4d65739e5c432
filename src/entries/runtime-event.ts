import { z } from 'zod'
import { idField } from './fields.js'

/** What a vendor runtime did to one of Arbiter's acts; one kind today. */
export const runtimeEventKindSchema = z.enum(['answer_rejected'])
export type RuntimeEventKind = z.infer<typeof runtimeEventKindSchema>

const runtimeEventShape = {
  kind: runtimeEventKindSchema,
  session_id: idField,
  event_id: idField,
  decision_id: idField.optional(),
  answer: z.enum(['user.tool_confirmation', 'user.custom_tool_result']),
  result: z.enum(['allow', 'deny']).optional(),
  is_error: z.boolean().optional(),
  status: z.number().int(),
  error_type: z.string().optional(),
  message: z.string().max(1000),
  request_id: z.string().optional(),
}

/** Body of a `runtime_event` entry, read from the ledger: unknown members are kept, not rejected. */
export const runtimeEventBodySchema = z.looseObject(runtimeEventShape)

/**
 * Body of a `runtime_event` entry: evidence of something the vendor runtime did to Arbiter's act, e.g.
 * refused its answer to a held tool use because a person answered first in the vendor console.
 */
export type RuntimeEventBody = z.infer<z.ZodObject<typeof runtimeEventShape>>

/**
 * Builds the body of a `runtime_event` entry of kind `answer_rejected`. The API's message is cut to
 * 1,000 characters (it comes from outside).
 *
 * @example
 * toAnswerRejectedBody({ sessionId: 'sesn_1', eventId: 'sevt_4', answer: 'user.tool_confirmation',
 *   result: 'deny', status: 400, message: 'tool use already confirmed' })
 */
export function toAnswerRejectedBody(args: {
  sessionId: string
  eventId: string
  decisionId?: string
  answer: RuntimeEventBody['answer']
  result?: 'allow' | 'deny'
  isError?: boolean
  status: number
  errorType?: string
  message: string
  requestId?: string
}): RuntimeEventBody {
  return {
    kind: 'answer_rejected',
    session_id: args.sessionId,
    event_id: args.eventId,
    ...(args.decisionId ? { decision_id: args.decisionId } : {}),
    answer: args.answer,
    ...(args.result !== undefined ? { result: args.result } : {}),
    ...(args.isError !== undefined ? { is_error: args.isError } : {}),
    status: args.status,
    ...(args.errorType ? { error_type: args.errorType } : {}),
    message: args.message.slice(0, 1000),
    ...(args.requestId ? { request_id: args.requestId } : {}),
  }
}
