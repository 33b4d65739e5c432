import type { z } from 'zod'
import { ValidationError } from './errors.js'

/**
 * Parses `value` with `schema`, throwing a {@link ValidationError} that lists every issue path.
 *
 * @throws {ValidationError} VALIDATION_FAILED when the value does not match.
 * @example
 * const input = parseWith(toolCallInputSchema, JSON.parse(body), 'tool call')
 */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value)
  if (result.success) return result.data
  const issues = result.error.issues.map((issue) => ({
    path: issue.path.length ? issue.path.map(String).join('.') : '(root)',
    message: issue.message,
  }))
  const summary = issues.map((i) => `${i.path}: ${i.message}`).join('; ')
  throw new ValidationError(`invalid ${what}: ${summary}`, issues)
}
