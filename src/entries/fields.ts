import { z } from 'zod'
import { reasonSchema } from '../policy/index.js'

/**
 * Field schemas shared by several bodies. Every object here is loose: a reader keeps (and ignores)
 * members a newer Arbiter added, so one version can read what another wrote.
 */

/** The same fields as `schema`, but tolerant of members it does not name (reading side). */
export function loose<S extends z.ZodRawShape>(schema: z.ZodObject<S, z.core.$ZodObjectConfig>) {
  return z.looseObject(schema.shape)
}

/** An id Arbiter or a vendor made up: decision, approval and event ids. */
export const idField = z.string().min(1)

/** Lowercase hex SHA-256. */
export const sha256Field = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex characters')

/** An RFC 3339 time (Arbiter writes `toISOString()`: UTC, milliseconds, `Z`). */
export const timeField = z.iso.datetime({ offset: true })

/** A reason as the policy gave it: stable rule id and message. */
export const recordedReasonSchema = loose(reasonSchema)

/** Which policy bundle decided: its `.manifest` revision and the SHA-256 of the bundle file. */
export const bundleRefSchema = z.looseObject({ revision: z.string().min(1), sha256: sha256Field })
