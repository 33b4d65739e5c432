import { z } from 'zod'

/**
 * Schemas of the archived-bundle routes (`GET /v1/bundles/{ref}` and its `bundle.tar.gz`), shared by
 * the route and the OpenAPI document.
 */

// A path segment from the client: a SHA-256 or a `.manifest` revision, printable ASCII without spaces.
export const bundleParamsSchema = z.object({
  ref: z
    .string()
    .min(1)
    .max(256)
    .regex(/^[\x21-\x7e]+$/, 'must be a SHA-256 or a revision (printable ASCII without spaces)'),
})

export const archivedBundleSchema = z.object({
  sha256: z.string(),
  revision: z.string(),
  size: z.number().int(),
  archived_at: z.string(),
  manifest: z.record(z.string(), z.unknown()),
  download: z.string(),
})
