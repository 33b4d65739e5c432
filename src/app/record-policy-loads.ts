import { type PolicyLoader, toPolicyLoadedBody } from '../entries/index.js'
import type { BundleArchive, Ledger } from '../ledger/index.js'
import type { LoadedBundle } from '../policy/index.js'
import type { Logger } from '../shared/index.js'

export interface PolicyLoadRecorderOptions {
  readonly archive: BundleArchive
  readonly ledger: Pick<Ledger, 'append'>
  /** Chains that get a `policy_loaded` entry (the chains this process's guards write to). */
  readonly chains: readonly string[]
  readonly loadedBy: PolicyLoader
  readonly logger?: Logger
}

/**
 * The `onLoad` hook of the policy engine (see `LoadPolicyEngineOptions.onLoad`) that makes every load
 * provable: it stores the bundle's bytes in the archive (content-addressed, once), then appends a
 * `policy_loaded` entry naming its SHA-256 to each chain. Archive first, so a `policy_loaded` entry
 * never names bytes that are not stored. If either step fails the hook rejects and the engine refuses
 * the bundle (fail closed: no decision by an unrecorded bundle).
 *
 * @throws {LedgerError} LEDGER_UNAVAILABLE / LEDGER_WRITE_FAILED when the archive or the ledger refuses.
 * @example
 * const onLoad = createPolicyLoadRecorder({ archive, ledger, chains: ['default'], loadedBy: thisProcess('arbiter serve') })
 * const policy = await loadPolicyEngine({ bundlePath, onLoad })
 */
export function createPolicyLoadRecorder(
  options: PolicyLoadRecorderOptions,
): (loaded: LoadedBundle) => Promise<void> {
  return async (loaded) => {
    const { contents } = loaded
    await options.archive.archive({
      sha256: contents.sha256,
      revision: contents.manifest.revision,
      manifest: { ...contents.manifest },
      bytes: loaded.bytes,
    })
    const body = toPolicyLoadedBody({
      bundle: { revision: contents.manifest.revision, sha256: contents.sha256 },
      previousSha256: loaded.previousSha256,
      reason: loaded.reason,
      source: loaded.source,
      loadedBy: options.loadedBy,
    })
    for (const chain of options.chains) await options.ledger.append({ chain, type: 'policy_loaded', body })
    options.logger?.info(
      { sha256: contents.sha256, revision: contents.manifest.revision, chains: options.chains },
      'policy bundle archived and its load recorded',
    )
  }
}
