import type { Router } from 'express'
import { type ArchivedBundle, SHA256_PATTERN } from '../../ledger/index.js'
import { requirePermission } from '../auth/authenticate.js'
import { bundleParamsSchema } from '../bundle-schemas.js'
import { HttpError } from '../http-errors.js'
import type { ServerDeps } from '../server.types.js'
import { parseRequest } from '../validate.js'

async function find(deps: ServerDeps, raw: unknown): Promise<ArchivedBundle> {
  const { ref } = parseRequest(bundleParamsSchema, raw, 'params')
  const bundle = deps.bundles
    ? SHA256_PATTERN.test(ref)
      ? await deps.bundles.get(ref)
      : await deps.bundles.getByRevision(ref)
    : null
  if (!bundle) throw new HttpError('BUNDLE_NOT_FOUND', `no archived bundle with sha256 or revision ${ref}`)
  return bundle
}

/**
 * Archived policy bundles (read permission: auditor, approver, admin): `GET /v1/bundles/{ref}` gives
 * the manifest of the bundle with that SHA-256 (or the newest with that revision);
 * `GET /v1/bundles/{ref}/bundle.tar.gz` the exact bytes that decided.
 *
 * @example
 * registerBundleRoutes(v1, deps)
 */
export function registerBundleRoutes(router: Router, deps: ServerDeps): void {
  router.get('/bundles/:ref', requirePermission('read'), async (req, res) => {
    const bundle = await find(deps, req.params)
    res.json({
      sha256: bundle.sha256,
      revision: bundle.revision,
      size: bundle.size,
      archived_at: bundle.archivedAt,
      manifest: bundle.manifest,
      download: `/v1/bundles/${bundle.sha256}/bundle.tar.gz`,
    })
  })
  router.get('/bundles/:ref/bundle.tar.gz', requirePermission('read'), async (req, res) => {
    const bundle = await find(deps, req.params)
    res.set('Content-Type', 'application/gzip')
    res.set('Content-Disposition', `attachment; filename="${bundle.sha256}.tar.gz"`)
    res.send(Buffer.from(bundle.bytes.buffer, bundle.bytes.byteOffset, bundle.bytes.byteLength))
  })
}
