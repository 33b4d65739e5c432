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
 * The optional entry point that decides which tools the MCP gateway lists (`policies/visible.rego`):
 * input a tool call without `arguments`, output `true` to show the tool. Bundles without it show every
 * tool.
 */
export const VISIBLE_ENTRYPOINT = 'arbiter/visible'

/**
 * Every entry point an evaluation worker can be asked to run, by index (the index travels in the
 * worker channel's header). Index 0 is the decision; a bundle may lack the others, which then fail
 * that one evaluation, not the bundle.
 */
export const EVALUATION_ENTRYPOINTS: readonly string[] = [
  DECISION_ENTRYPOINT,
  SCAN_ENTRYPOINT,
  VISIBLE_ENTRYPOINT,
]

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
