import type { Router } from 'express'
import { toRfc3339Millis } from '../../shared/index.js'
import { verifyBodySchema } from '../api-schemas.js'
import { principalOf, requirePermission } from '../auth/authenticate.js'
import { HttpError } from '../http-errors.js'
import type { ServerDeps } from '../server.types.js'
import { parseRequest } from '../validate.js'
import type { VerificationRun } from '../verification-log.js'

function toJson(run: VerificationRun | undefined) {
  if (!run) return null
  return {
    chain: run.chain,
    ts: run.ts,
    ok: run.ok,
    entries: run.entries,
    head: run.head,
    error_code: run.errorCode,
    message: run.message,
    requested_by: run.requestedBy,
  }
}

/**
 * Chain status and verification routes. The last verification of each chain is recorded in the
 * database (`verification_runs`), so it survives restarts and is shared by every server.
 *
 * @example
 * registerChainRoutes(v1, deps)
 */
export function registerChainRoutes(router: Router, deps: ServerDeps): void {
  router.get('/chains', requirePermission('read'), async (_req, res) => {
    const [summaries, latest] = await Promise.all([
      deps.queries.chainSummaries(),
      deps.verifications.latest(),
    ])
    res.json({
      chains: summaries.map((s) => ({
        chain: s.chain,
        head: s.head,
        last_checkpoint: s.lastCheckpoint
          ? {
              seq: s.lastCheckpoint.seq,
              hash: s.lastCheckpoint.hash,
              ts: s.lastCheckpoint.ts,
              key_id: s.lastCheckpoint.keyId,
            }
          : null,
        last_verification: toJson(latest.get(s.chain)),
      })),
    })
  })

  router.post('/verify', requirePermission('verify'), async (req, res) => {
    const { chain } = parseRequest(verifyBodySchema, req.body ?? {}, 'body')
    // With anchors or expected chains configured this includes chains the database has lost.
    const known = deps.verifiableChains
      ? await deps.verifiableChains()
      : (await deps.queries.chainSummaries()).map((s) => s.chain)
    if (chain !== undefined && !known.includes(chain))
      throw new HttpError('CHAIN_NOT_FOUND', `no chain named ${chain}`)
    const who = principalOf(res).principalId
    const results: VerificationRun[] = []
    for (const name of chain !== undefined ? [chain] : known) {
      const outcome = await deps.verify(name)
      const run: VerificationRun = {
        chain: name,
        ts: toRfc3339Millis(deps.clock.now()),
        ok: outcome.ok,
        entries: outcome.entries,
        head: outcome.head,
        errorCode: outcome.errorCode,
        message: outcome.message,
        requestedBy: who,
      }
      await deps.verifications.record(run)
      results.push(run)
    }
    res.json({ ok: results.every((r) => r.ok), results: results.map(toJson) })
  })
}
