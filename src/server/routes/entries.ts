import type { Router } from 'express'
import { decisionIdOf } from '../../entries/index.js'
import { exportLines, type LedgerEntry } from '../../ledger/index.js'
import {
  conflictsQuerySchema,
  entriesQuerySchema,
  entryParamsSchema,
  exportQuerySchema,
} from '../api-schemas.js'
import { requirePermission } from '../auth/authenticate.js'
import { HttpError } from '../http-errors.js'
import type { ServerDeps } from '../server.types.js'
import { parseRequest } from '../validate.js'

/**
 * Ledger read routes: entry search, one entry with its linked entries, conflicts, streamed export.
 *
 * @example
 * registerEntryRoutes(v1, deps)
 */
export function registerEntryRoutes(router: Router, deps: ServerDeps): void {
  router.get('/entries', requirePermission('read'), async (req, res) => {
    const q = parseRequest(entriesQuerySchema, req.query, 'query')
    const page = await deps.queries.listEntries(
      {
        chain: q.chain,
        type: q.type,
        tool: q.tool,
        agent: q.agent,
        principal: q.principal,
        session: q.session,
        action: q.action,
        rule: q.rule,
        from: q.from,
        to: q.to,
        text: q.q,
        decisionId: q.decision_id,
      },
      { limit: q.limit, cursor: q.cursor },
    )
    res.json({ entries: page.entries, next_cursor: page.nextCursor })
  })

  router.get('/entries/:chain/:seq', requirePermission('read'), async (req, res) => {
    const { chain, seq } = parseRequest(entryParamsSchema, req.params, 'params')
    const entry = await deps.queries.getEntry(chain, seq)
    if (!entry) throw new HttpError('ENTRY_NOT_FOUND', `no entry ${seq} in chain ${chain}`)
    const decisionId = decisionIdOf(entry)
    const linked = decisionId
      ? (await deps.queries.linkedEntries(decisionId, chain)).filter((e) => e.seq !== entry.seq)
      : []
    res.json({ entry, linked })
  })

  router.get('/conflicts', requirePermission('read'), async (req, res) => {
    const q = parseRequest(conflictsQuerySchema, req.query, 'query')
    const page = await deps.queries.listEntries(
      { type: 'conflict', chain: q.chain },
      { limit: q.limit, cursor: q.cursor },
    )
    const conflicts = await Promise.all(
      page.entries.map(async (entry) => ({ entry, decision: await decisionFor(deps, entry) })),
    )
    res.json({ conflicts, next_cursor: page.nextCursor })
  })

  router.get('/export', requirePermission('read'), async (req, res) => {
    const { format, chain } = parseRequest(exportQuerySchema, req.query, 'query')
    res.status(200)
    // attachment() sets a type from the file extension, so the real type is set after it.
    res.attachment(`arbiter-ledger.${format}`)
    res.type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8')
    let closed = false
    res.on('close', () => {
      closed = true
    })
    // The same lines as `arbiter export`: checkpoints, canonical JSON entries and the end line, or CSV
    // with the body as canonical JSON.
    try {
      for await (const line of exportLines(deps.ledger, { format, ...(chain ? { chain } : {}) })) {
        if (closed) return
        // Respect backpressure so a large ledger streams in constant memory.
        if (!res.write(`${line}\n`)) await new Promise((resolve) => res.once('drain', resolve))
      }
    } catch (error) {
      if (!res.headersSent) throw error
      // The status is sent: abort the transfer so the client sees an error, never a short "complete"
      // file (a JSONL export without its end line is incomplete to a verifier, too).
      deps.logger.error({ err: error }, 'export stream failed')
      res.destroy()
      return
    }
    res.end()
  })
}

async function decisionFor(deps: ServerDeps, entry: LedgerEntry): Promise<LedgerEntry | null> {
  const id = decisionIdOf(entry)
  if (!id) return null
  const linked = await deps.queries.linkedEntries(id, entry.chain)
  return linked.find((e) => e.type === 'decision') ?? null
}
