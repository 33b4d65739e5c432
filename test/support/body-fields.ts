import { z } from 'zod'
import { sha256Field, timeField } from '../../src/entries/fields.js'

/** One documented member of a body: dotted path (`input.tool.name`, `reasons[].rule`), type, requiredness. */
export interface BodyField {
  readonly field: string
  readonly type: string
  readonly required: 'yes' | 'no'
}

type Unwrapped = { schema: z.ZodType; optional: boolean; nullable: boolean }

function unwrap(schema: z.ZodType): Unwrapped {
  let current = schema
  let optional = false
  let nullable = false
  for (;;) {
    if (current instanceof z.ZodOptional) {
      optional = true
      current = current.unwrap() as z.ZodType
    } else if (current instanceof z.ZodNullable) {
      nullable = true
      current = current.unwrap() as z.ZodType
    } else return { schema: current, optional, nullable }
  }
}

/** The type column of docs/ledger-format.md for one (unwrapped) schema. */
function typeName(schema: z.ZodType): string {
  if (schema === sha256Field) return 'string (SHA-256, 64 hex)'
  if (schema === timeField) return 'string (RFC 3339 time)'
  if (schema instanceof z.ZodString) return 'string'
  if (schema instanceof z.ZodNumber) return schema.isInt ? 'integer' : 'number'
  if (schema instanceof z.ZodBoolean) return 'boolean'
  if (schema instanceof z.ZodEnum) return `one of ${schema.options.map((o) => `\`${String(o)}\``).join(', ')}`
  if (schema instanceof z.ZodObject || schema instanceof z.ZodRecord) return 'object'
  if (schema instanceof z.ZodArray) {
    const element = unwrap(schema.element as z.ZodType).schema
    return element instanceof z.ZodObject ? 'array of objects' : `array of ${typeName(element)}s`
  }
  if (schema instanceof z.ZodUnknown) return 'any JSON'
  throw new Error(`no documented type name for ${schema.constructor.name}`)
}

/**
 * Every member of a body schema, depth first in shape order: objects and arrays of objects are walked
 * (`reasons[].rule`); free-form objects (`z.record`, e.g. `input.arguments`) are not.
 */
export function bodyFields(schema: z.ZodType, prefix = ''): BodyField[] {
  if (!(schema instanceof z.ZodObject)) throw new Error('a body schema is an object schema')
  return Object.entries(schema.shape as Record<string, z.ZodType>).flatMap(([name, member]) => {
    const { schema: inner, optional, nullable } = unwrap(member)
    const field = `${prefix}${name}`
    const row: BodyField = {
      field,
      type: `${typeName(inner)}${nullable ? ' or null' : ''}`,
      required: optional ? 'no' : 'yes',
    }
    if (inner instanceof z.ZodObject) return [row, ...bodyFields(inner, `${field}.`)]
    if (inner instanceof z.ZodArray) {
      const element = unwrap(inner.element as z.ZodType).schema
      if (element instanceof z.ZodObject) return [row, ...bodyFields(element, `${field}[].`)]
    }
    return [row]
  })
}

/**
 * Members of `value` that `schema` does not name (dotted paths), walking the same way as
 * {@link bodyFields}. Writers must produce none: a loose reader would keep them silently.
 */
export function unknownMembers(schema: z.ZodType, value: unknown, prefix = ''): string[] {
  const inner = unwrap(schema).schema
  if (inner instanceof z.ZodArray && Array.isArray(value))
    return value.flatMap((item) => unknownMembers(inner.element as z.ZodType, item, `${prefix}[].`))
  if (!(inner instanceof z.ZodObject) || typeof value !== 'object' || value === null) return []
  const shape = inner.shape as Record<string, z.ZodType>
  return Object.entries(value).flatMap(([key, member]) =>
    key in shape ? unknownMembers(shape[key]!, member, `${prefix}${key}.`) : [`${prefix}${key}`],
  )
}
