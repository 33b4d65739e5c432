import type { Router } from 'express'
import { requirePermission } from '../auth/authenticate.js'
import { HttpError } from '../http-errors.js'
import { consistencyQuerySchema, inclusionQuerySchema, proofParamsSchema } from '../proof-schemas.js'
import type { ServerDeps, TreeDeps } from '../server.types.js'
import { parseRequest } from '../validate.js'

function treeOf(deps: ServerDeps): TreeDeps {
  if (!deps.tree) throw new HttpError('NOT_FOUND', 'this server does not serve Merkle proofs')
  return deps.tree
}

/**
 * Merkle proof routes (RFC 9162 §2.1): inclusion of an entry in a tree size, consistency between two
 * tree sizes. Read permission (auditor, approver, admin). Every proof is checked before it is sent.
 *
 * @example
 * registerProofRoutes(v1, deps)
 */
export function registerProofRoutes(router: Router, deps: ServerDeps): void {
  router.get('/chains/:chain/proofs/inclusion', requirePermission('read'), async (req, res) => {
    const { chain } = parseRequest(proofParamsSchema, req.params, 'params')
    const { seq, size } = parseRequest(inclusionQuerySchema, req.query, 'query')
    res.json(await treeOf(deps).inclusion(chain, seq, size))
  })

  router.get('/chains/:chain/proofs/consistency', requirePermission('read'), async (req, res) => {
    const { chain } = parseRequest(proofParamsSchema, req.params, 'params')
    const { from, to } = parseRequest(consistencyQuerySchema, req.query, 'query')
    res.json(await treeOf(deps).consistency(chain, from, to))
  })
}
