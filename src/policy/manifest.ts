import { z } from 'zod'

/** The OPA entry point every Arbiter bundle must export (`opa build -e arbiter/decision`). */
export const DECISION_ENTRYPOINT = 'arbiter/decision'

/**
 * The optional entry point that applies the policy's detectors to free text (`policies/scan.rego`,
 * compiled because it is annotated `entrypoint: true`). Bundles without it still load; text they
 * cannot scan is withheld from the ledger.
 */
export const SCAN_ENTRYPOINT = 'arbiter/scan'

/**
 * The parts of an OPA bundle `.manifest` Arbiter relies on. Unknown fields are allowed (OPA adds
 * `rego_version`, `metadata`…); the ones below must be present and well-formed.
 */
export const bundleManifestSchema = z.object({
  revision: z.string().min(1, 'revision must not be empty').max(256),
  roots: z.array(z.string()).optional(),
  wasm: z
    .array(z.object({ entrypoint: z.string(), module: z.string() }).passthrough())
    .refine((mods) => mods.some((m) => m.entrypoint === DECISION_ENTRYPOINT), {
      message: `no wasm module exports the ${DECISION_ENTRYPOINT} entry point`,
    }),
})

/** A validated bundle `.manifest`. */
export type BundleManifest = z.infer<typeof bundleManifestSchema>
