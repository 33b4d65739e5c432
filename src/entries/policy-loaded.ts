import { hostname } from 'node:os'
import { z } from 'zod'
import type { BundleInfo } from '../policy/index.js'
import { sha256Field } from './fields.js'

/** Who or what loaded a bundle: the program, and the host and process id it ran as. */
export const policyLoaderSchema = z.looseObject({
  process: z.string().min(1),
  host: z.string().min(1),
  pid: z.number().int().nonnegative(),
})
export type PolicyLoader = z.infer<z.ZodObject<(typeof policyLoaderSchema)['shape']>>

const policyLoadedShape = {
  revision: z.string().min(1),
  sha256: sha256Field,
  previous_sha256: sha256Field.nullable(),
  reason: z.enum(['start', 'reload']),
  source: z.string().min(1).optional(),
  loaded_by: policyLoaderSchema,
}

/** Body of a `policy_loaded` entry, read from the ledger: unknown members are kept, not rejected. */
export const policyLoadedBodySchema = z.looseObject(policyLoadedShape)

/**
 * Body of a `policy_loaded` entry: a guard or server started deciding with a bundle (at start or on a
 * hot reload). Decisions after it on the chain name the same `bundle.sha256`.
 */
export type PolicyLoadedBody = z.infer<z.ZodObject<typeof policyLoadedShape>>

/**
 * This process as a {@link PolicyLoader}, under the program name `process` (e.g. `arbiter serve`).
 *
 * @example
 * thisProcess('arbiter serve') // { process: 'arbiter serve', host: 'app-3', pid: 4711 }
 */
export function thisProcess(process: string): PolicyLoader {
  return { process, host: hostname(), pid: globalThis.process.pid }
}

/**
 * Builds the body of a `policy_loaded` entry.
 *
 * @example
 * toPolicyLoadedBody({ bundle: engine.bundle, previousSha256: null, reason: 'start',
 *   source: 'build/bundle.tar.gz', loadedBy: thisProcess('arbiter serve') })
 */
export function toPolicyLoadedBody(args: {
  bundle: Pick<BundleInfo, 'revision' | 'sha256'>
  previousSha256: string | null
  reason: 'start' | 'reload'
  source?: string
  loadedBy: PolicyLoader
}): PolicyLoadedBody {
  return {
    revision: args.bundle.revision,
    sha256: args.bundle.sha256,
    previous_sha256: args.previousSha256,
    reason: args.reason,
    ...(args.source ? { source: args.source } : {}),
    loaded_by: { ...args.loadedBy },
  }
}
