import { type Kysely, type SqlBool, sql } from 'kysely'
import { z } from 'zod'
import { DEFAULT_BODY_LIMITS, type JsonLimits, ValidationError } from '../shared/index.js'
import type { LedgerEntry } from './ledger.types.js'
import { decodeEntryRow } from './row.js'
import type { LedgerDatabase } from './schema.js'

/**
 * Read-only queries over the fixed ledger schema for the audit API and UI. Nothing here writes;
 * bodies are returned as stored (decision entries already hold redacted arguments), except one nested
 * deeper than the body limit (only an older version could store it), which comes back as an explicit
 * `{"body_omitted": {…}}` stand-in so no response or page breaks on it.
 */

/** Filters for {@link LedgerQueries.listEntries}; all optional and combined with AND. */
export interface EntryFilter {
  readonly chain?: string
  readonly type?: string
  /** `body.input.tool.name` (decision entries). */
  readonly tool?: string
  readonly agent?: string
  readonly principal?: string
  readonly session?: string
  /** `body.action` of decisions, or `body.policy_action` of conflicts. */
  readonly action?: string
  /** A reason with this rule id. */
  readonly rule?: string
  /** Inclusive lower bound on `ts`. */
  readonly from?: Date
  /** Exclusive upper bound on `ts`. */
  readonly to?: Date
  /** Case-insensitive substring of any reason's message or rule id. */
  readonly text?: string
  readonly decisionId?: string
}

export interface EntryPage {
  readonly entries: LedgerEntry[]
  /** Opaque; pass back as `cursor` for the next (older) page. Null on the last page. */
  readonly nextCursor: string | null
}

export interface ChainSummary {
  readonly chain: string
  readonly head: { readonly seq: number; readonly hash: string }
  readonly lastCheckpoint: {
    readonly seq: number
    readonly hash: string
    readonly ts: string
    readonly keyId: string
  } | null
}

/** An approval request with the votes recorded for it so far (the guard settles what they add up to). */
export interface ApprovalRecord {
  readonly request: LedgerEntry
  readonly votes: LedgerEntry[]
}

export interface LedgerQueries {
  listEntries(filter: EntryFilter, page?: { limit?: number; cursor?: string }): Promise<EntryPage>
  getEntry(chain: string, seq: number): Promise<LedgerEntry | null>
  /** Every entry carrying `body.decision_id = decisionId`, in chain and seq order. */
  linkedEntries(decisionId: string, chain?: string): Promise<LedgerEntry[]>
  chainSummaries(): Promise<ChainSummary[]>
  /** Newest approval requests first, with their votes; `expiresAfter` keeps those still open at that time. */
  listApprovals(options?: { limit?: number; chain?: string; expiresAfter?: Date }): Promise<ApprovalRecord[]>
}

const cursorSchema = z.tuple([z.string().max(64), z.string().max(1024), z.number().int().nonnegative()])

/** Encodes the sort key of the last row of a page. */
function encodeCursor(entry: LedgerEntry): string {
  return Buffer.from(JSON.stringify([entry.ts, entry.chain, entry.seq])).toString('base64url')
}

function decodeCursor(cursor: string): z.infer<typeof cursorSchema> {
  // Attacker-controlled: any decoding failure is a plain 400, never a thrown SyntaxError.
  let raw: unknown
  try {
    raw = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    raw = undefined
  }
  const parsed = cursorSchema.safeParse(raw)
  if (!parsed.success)
    throw new ValidationError('invalid cursor: not one this server issued', [
      { path: 'cursor', message: 'invalid' },
    ])
  return parsed.data
}

// Body as its stored text: rows go through the one decoder (row.ts), like the store's own reads.
const entryColumns = [
  'chain',
  'seq',
  'ts',
  'type',
  sql<string>`body::text`.as('body'),
  'prev',
  'hash',
] as const

/** `body.reasons` as a JSON array, or an empty one when absent or malformed (json_array_elements throws otherwise). */
const reasonsArray = sql`case when json_typeof(body->'reasons') = 'array' then body->'reasons' else '[]'::json end`

function conditions(f: EntryFilter): ReturnType<typeof sql<SqlBool>>[] {
  const out: ReturnType<typeof sql<SqlBool>>[] = []
  if (f.chain !== undefined) out.push(sql<SqlBool>`chain = ${f.chain}`)
  if (f.type !== undefined) out.push(sql<SqlBool>`type = ${f.type}`)
  if (f.tool !== undefined) out.push(sql<SqlBool>`body->'input'->'tool'->>'name' = ${f.tool}`)
  if (f.agent !== undefined) out.push(sql<SqlBool>`body->'input'->'agent'->>'id' = ${f.agent}`)
  if (f.principal !== undefined) out.push(sql<SqlBool>`body->'input'->'principal'->>'id' = ${f.principal}`)
  if (f.session !== undefined) out.push(sql<SqlBool>`body->'input'->'session'->>'id' = ${f.session}`)
  if (f.decisionId !== undefined) out.push(sql<SqlBool>`body->>'decision_id' = ${f.decisionId}`)
  if (f.action !== undefined)
    out.push(sql<SqlBool>`coalesce(body->>'action', body->>'policy_action') = ${f.action}`)
  if (f.rule !== undefined)
    out.push(
      sql<SqlBool>`exists (select 1 from json_array_elements(${reasonsArray}) r where r->>'rule' = ${f.rule})`,
    )
  if (f.text !== undefined && f.text !== '')
    // position() instead of LIKE: the search text is user input and must not act as a pattern.
    out.push(sql<SqlBool>`exists (select 1 from json_array_elements(${reasonsArray}) r
      where position(lower(${f.text}) in lower(coalesce(r->>'message', '') || ' ' || coalesce(r->>'rule', ''))) > 0)`)
  if (f.from !== undefined) out.push(sql<SqlBool>`ts >= ${f.from.toISOString()}`)
  if (f.to !== undefined) out.push(sql<SqlBool>`ts < ${f.to.toISOString()}`)
  return out
}

/**
 * Creates the read-only query functions over a ledger database (PostgreSQL or PGlite).
 *
 * `options.bodyLimits` should be the store's (default `DEFAULT_BODY_LIMITS`): a body nested deeper is
 * returned as a `body_omitted` stand-in.
 *
 * @throws {ValidationError} VALIDATION_FAILED from `listEntries` for a cursor this module did not issue.
 * @example
 * const queries = createLedgerQueries(db)
 * const { entries, nextCursor } = await queries.listEntries({ type: 'decision', action: 'deny' }, { limit: 50 })
 */
export function createLedgerQueries(
  db: Kysely<LedgerDatabase>,
  options: { readonly bodyLimits?: JsonLimits } = {},
): LedgerQueries {
  const maxDepth = (options.bodyLimits ?? DEFAULT_BODY_LIMITS).maxDepth
  const toEntry = (row: unknown): LedgerEntry => decodeEntryRow(row, { maxDepth })
  return {
    async listEntries(filter, page = {}) {
      const limit = Math.min(Math.max(page.limit ?? 50, 1), 500)
      const where = conditions(filter)
      if (page.cursor !== undefined) {
        const [ts, chain, seq] = decodeCursor(page.cursor)
        where.push(sql<SqlBool>`(ts, chain, seq) < (${ts}, ${chain}, ${String(seq)}::bigint)`)
      }
      let query = db.selectFrom('ledger_entries').select(entryColumns)
      for (const condition of where) query = query.where(condition)
      const rows = await query
        .orderBy('ts', 'desc')
        .orderBy('chain', 'desc')
        .orderBy('seq', 'desc')
        .limit(limit + 1)
        .execute()
      const entries = rows.slice(0, limit).map(toEntry)
      const last = entries.at(-1)
      return { entries, nextCursor: rows.length > limit && last ? encodeCursor(last) : null }
    },

    async getEntry(chain, seq) {
      const row = await db
        .selectFrom('ledger_entries')
        .select(entryColumns)
        .where('chain', '=', chain)
        .where('seq', '=', String(seq))
        .executeTakeFirst()
      return row ? toEntry(row) : null
    },

    async linkedEntries(decisionId, chain) {
      let query = db
        .selectFrom('ledger_entries')
        .select(entryColumns)
        .where(sql<SqlBool>`body->>'decision_id' = ${decisionId}`)
      if (chain !== undefined) query = query.where('chain', '=', chain)
      const rows = await query.orderBy('chain').orderBy('seq').execute()
      return rows.map(toEntry)
    },

    async chainSummaries() {
      const heads = await db
        .selectFrom('ledger_heads')
        .select(['chain', 'seq', 'hash'])
        .orderBy('chain')
        .execute()
      const checkpoints = await db
        .selectFrom('ledger_checkpoints')
        .select(['chain', 'seq', 'hash', 'ts', 'key_id'])
        .distinctOn('chain')
        .orderBy('chain')
        .orderBy('id', 'desc')
        .execute()
      const byChain = new Map(checkpoints.map((c) => [c.chain, c]))
      return heads.map((h) => {
        const c = byChain.get(h.chain)
        return {
          chain: h.chain,
          head: { seq: Number(h.seq), hash: h.hash },
          lastCheckpoint: c ? { seq: Number(c.seq), hash: c.hash, ts: c.ts, keyId: c.key_id } : null,
        }
      })
    },

    async listApprovals(options = {}) {
      const limit = Math.min(Math.max(options.limit ?? 100, 1), 500)
      let query = db.selectFrom('ledger_entries').select(entryColumns).where('type', '=', 'approval_request')
      if (options.chain !== undefined) query = query.where('chain', '=', options.chain)
      if (options.expiresAfter !== undefined)
        query = query.where(sql<SqlBool>`body->>'expires_at' > ${options.expiresAfter.toISOString()}`)
      const requests = (await query.orderBy('ts', 'desc').orderBy('seq', 'desc').limit(limit).execute()).map(
        toEntry,
      )
      const ids = requests.map((r) => String(r.body.approval_id ?? ''))
      if (ids.length === 0) return []
      const votes = (
        await db
          .selectFrom('ledger_entries')
          .select(entryColumns)
          .where('type', '=', 'approval')
          .where(sql<SqlBool>`body->>'approval_id' in (${sql.join(ids)})`)
          .orderBy('chain')
          .orderBy('seq')
          .execute()
      ).map(toEntry)
      return requests.map((request) => {
        const mine = votes.filter(
          (v) => v.chain === request.chain && v.body.approval_id === request.body.approval_id,
        )
        return { request, votes: mine }
      })
    },
  }
}
