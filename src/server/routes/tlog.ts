import type { Router } from 'express'
import { CHAIN_ID_PATTERN, parseTilePath } from '../../ledger/index.js'
import { requirePermission } from '../auth/authenticate.js'
import { HttpError } from '../http-errors.js'
import type { ServerDeps } from '../server.types.js'

function chainOf(raw: unknown): string {
  // Attacker-controlled path segment: checked against the chain id pattern before any query.
  if (typeof raw !== 'string' || !CHAIN_ID_PATTERN.test(raw))
    throw new HttpError('NOT_FOUND', 'no such chain')
  return raw
}

/**
 * The log as C2SP tlog-tiles, read-only (read permission, Bearer key like the rest of the API):
 * `GET /tlog/<chain>/checkpoint` (the newest signed-note checkpoint, with the witnesses' cosignatures
 * on it when they are stored), `GET /tlog/<chain>/tile/<L>/<N>[.p/<W>]`
 * (hash tiles, height 8) and `GET /tlog/<chain>/tile/entries/<N>[.p/<W>]` (entry bundles of leaf bytes).
 *
 * @example
 * registerTlogRoutes(tlogRouter, deps)
 */
export function registerTlogRoutes(router: Router, deps: ServerDeps): void {
  router.get('/:chain/checkpoint', requirePermission('read'), async (req, res) => {
    if (!deps.tree) throw new HttpError('NOT_FOUND', 'this server does not serve the tlog')
    const chain = chainOf(req.params.chain)
    const note = await deps.tree.latestNote(chain)
    if (!note) throw new HttpError('NOT_FOUND', 'no signed-note checkpoint of this chain yet')
    // With its witnesses' cosignatures once they answered (C2SP tlog-cosignature lines after the log's).
    const served = deps.cosignedNote ? await deps.cosignedNote(chain, note) : note
    res.set('Cache-Control', 'no-store')
    res.type('text/plain; charset=utf-8').send(served)
  })

  router.get(/^\/([^/]+)\/tile\/(.+)$/, requirePermission('read'), async (req, res) => {
    if (!deps.tree) throw new HttpError('NOT_FOUND', 'this server does not serve the tlog')
    const params = req.params as unknown as Record<string, string>
    const chain = chainOf(params[0])
    let ref: ReturnType<typeof parseTilePath>
    try {
      ref = parseTilePath(String(params[1]))
    } catch (error) {
      throw new HttpError('NOT_FOUND', error instanceof Error ? error.message : 'no such tile')
    }
    const tile = await deps.tree.tile(chain, ref)
    if (!tile) throw new HttpError('NOT_FOUND', 'the tree does not hold this tile yet')
    // Tiles and bundles never change once served (full or partial at a given width).
    res.set('Cache-Control', 'private, max-age=31536000, immutable')
    res.type('application/octet-stream').send(tile)
  })
}
