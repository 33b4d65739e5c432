import type { z } from 'zod'
import { parseWith } from '../shared/index.js'

/**
 * Validates one part of a request (params, query or body) with its zod schema.
 *
 * @throws {ValidationError} VALIDATION_FAILED listing every failing path.
 * @example
 * const query = parseRequest(entriesQuerySchema, req.query, 'query')
 */
export function parseRequest<S extends z.ZodType>(
  schema: S,
  value: unknown,
  part: 'params' | 'query' | 'body',
): z.output<S> {
  return parseWith(schema, value ?? (part === 'body' ? undefined : {}), `request ${part}`)
}
