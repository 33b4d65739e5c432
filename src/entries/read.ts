import type { Logger } from '../shared/index.js'
import { type EntryBodies, entryBodySchemas, isKnownEntryType, type KnownEntryType } from './bodies.js'
import { describeLocation, EntryBodyError, type EntryLocation } from './errors.js'

/**
 * What a reader needs of an entry. The ledger's `LedgerEntry` fits, and so does a line of an export;
 * the body is `unknown` until its schema accepts it (the database is not trusted).
 */
export interface EntryLike {
  readonly chain: string
  readonly seq: number
  readonly type: string
  readonly body: unknown
}

/** An entry of type `T` whose body has been parsed. */
export type TypedEntry<T extends KnownEntryType, E extends EntryLike = EntryLike> = Omit<
  E,
  'type' | 'body'
> & {
  readonly type: T
  readonly body: EntryBodies[T]
}

/** An entry of any known type with its parsed body; switch on `type` to narrow `body`. */
export type KnownEntry<E extends EntryLike = EntryLike> = {
  [T in KnownEntryType]: TypedEntry<T, E>
}[KnownEntryType]

/** The result of {@link safeParseEntryBody}. */
export type ParsedBody<T extends KnownEntryType> =
  | { readonly ok: true; readonly body: EntryBodies[T] }
  | { readonly ok: false; readonly error: EntryBodyError }

/**
 * Parses a body with the schema of its type, without throwing.
 *
 * @example
 * const parsed = safeParseEntryBody('decision', entry.body, entry)
 * if (parsed.ok) console.log(parsed.body.action)
 */
export function safeParseEntryBody<T extends KnownEntryType>(
  type: T,
  body: unknown,
  at?: EntryLocation,
): ParsedBody<T> {
  const result = entryBodySchemas[type].safeParse(body)
  if (result.success) return { ok: true, body: result.data }
  const issues = result.error.issues.map((issue) => ({
    path: issue.path.length ? issue.path.map(String).join('.') : '(root)',
    message: issue.message,
  }))
  const summary = issues.map((i) => `${i.path}: ${i.message}`).join('; ')
  const where = at ? { chain: at.chain, seq: at.seq } : undefined
  return {
    ok: false,
    error: new EntryBodyError(
      'ENTRY_BODY_INVALID',
      type,
      where,
      `${type} body at ${describeLocation(where)} does not match its schema: ${summary}`,
      issues,
    ),
  }
}

/**
 * Parses a body with the schema of its type.
 *
 * @throws {EntryBodyError} ENTRY_BODY_INVALID when the body does not match.
 * @example
 * const body = parseEntryBody('approval_request', entry.body, entry)
 * body.expires_at
 */
export function parseEntryBody<T extends KnownEntryType>(
  type: T,
  body: unknown,
  at?: EntryLocation,
): EntryBodies[T] {
  const parsed = safeParseEntryBody(type, body, at)
  if (!parsed.ok) throw parsed.error
  return parsed.body
}

/**
 * Reads an entry that must be of type `type` (e.g. found by a query on that type).
 *
 * @throws {EntryBodyError} ENTRY_TYPE_MISMATCH for an entry of another type; ENTRY_BODY_INVALID when its body does not match.
 * @example
 * const decision = readEntry(entry, 'decision')
 * decision.body.input.tool.name
 */
export function readEntry<T extends KnownEntryType, E extends EntryLike>(
  entry: E,
  type: T,
): TypedEntry<T, E> {
  if (entry.type !== type)
    throw new EntryBodyError(
      'ENTRY_TYPE_MISMATCH',
      entry.type,
      { chain: entry.chain, seq: entry.seq },
      `entry ${describeLocation(entry)} is a ${entry.type} entry, expected ${type}`,
    )
  return { ...entry, type, body: parseEntryBody(type, entry.body, entry) }
}

/**
 * Reads an entry of any type: its parsed body for a known type, or null for a type this version
 * does not know (the format leaves the set open).
 *
 * @throws {EntryBodyError} ENTRY_BODY_INVALID when a known type's body does not match.
 * @example
 * const known = parseEntry(entry)
 * if (known?.type === 'conflict') console.log(known.body.kind)
 */
export function parseEntry<E extends EntryLike>(entry: E): KnownEntry<E> | null {
  if (!isKnownEntryType(entry.type)) return null
  // Type-level only: the body was parsed with the schema of exactly `entry.type`, which TypeScript
  // cannot correlate across the union of entry types.
  return readEntry(entry, entry.type) as KnownEntry<E>
}

/**
 * Entries a reader left out because their body did not match its schema: counted, with the first few
 * kept, so the reader can warn once instead of failing or staying silent.
 */
export class SkippedEntries {
  static readonly KEEP = 5
  count = 0
  readonly first: EntryBodyError[] = []

  note(error: EntryBodyError): void {
    this.count++
    if (this.first.length < SkippedEntries.KEEP) this.first.push(error)
  }

  /** Logs one warning for all skipped entries (nothing when there were none). */
  warn(logger: Pick<Logger, 'warn'>, reader: string): void {
    if (this.count === 0) return
    logger.warn(
      { skipped: this.count, first: this.first.map((e) => e.message) },
      `${reader}: skipped ${this.count} ledger entr${this.count === 1 ? 'y' : 'ies'} whose body does not match its schema`,
    )
  }
}

/**
 * The entries of type `type`, parsed; entries of other types are left out, and entries whose body does
 * not match are left out and noted in `skipped`.
 *
 * @example
 * const skipped = new SkippedEntries()
 * const requests = readEntries(await ledger.findByType('approval_request'), 'approval_request', skipped)
 * skipped.warn(logger, 'pending approvals')
 */
export function readEntries<T extends KnownEntryType, E extends EntryLike>(
  entries: Iterable<E>,
  type: T,
  skipped: SkippedEntries,
): TypedEntry<T, E>[] {
  const out: TypedEntry<T, E>[] = []
  for (const entry of entries) {
    if (entry.type !== type) continue
    const parsed = safeParseEntryBody(type, entry.body, entry)
    if (parsed.ok) out.push({ ...entry, type, body: parsed.body })
    else skipped.note(parsed.error)
  }
  return out
}

/**
 * The decision an entry belongs to: `body.decision_id`, which every body but `policy_loaded` carries
 * (also for types this version does not know), or null.
 *
 * @example
 * const id = decisionIdOf(entry)
 * const linked = id ? await queries.linkedEntries(id, entry.chain) : []
 */
export function decisionIdOf(entry: EntryLike): string | null {
  const body = entry.body
  if (typeof body !== 'object' || body === null || !('decision_id' in body)) return null
  return typeof body.decision_id === 'string' && body.decision_id !== '' ? body.decision_id : null
}
