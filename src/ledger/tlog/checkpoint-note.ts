import { TlogError } from './errors.js'
import { HASH_SIZE, toHash } from './merkle-hash.js'
import { isValidKeyName } from './note-keys.js'

/** The body of a C2SP tlog-checkpoint note. */
export interface CheckpointBody {
  /** Log identity; Arbiter writes `<deployment>/<chain>`. */
  readonly origin: string
  /** Number of leaves. */
  readonly size: number
  /** RFC 6962/9162 root hash at `size`. */
  readonly root: Buffer
  /** Optional non-empty extension lines. */
  readonly extensions: readonly string[]
}

/**
 * The origin (and key name) of a chain's log: `<deployment>/<chain>`.
 *
 * @throws {TlogError} TLOG_CHECKPOINT_MALFORMED when the result has a space or '+'.
 * @example
 * checkpointOrigin('arbiter.example.com', 'default') // 'arbiter.example.com/default'
 */
export function checkpointOrigin(deployment: string, chain: string): string {
  const origin = `${deployment}/${chain}`
  if (!isValidKeyName(origin) || origin.includes('\n'))
    throw new TlogError(
      'TLOG_CHECKPOINT_MALFORMED',
      `origin ${JSON.stringify(origin)} must have no spaces or '+'`,
    )
  return origin
}

/**
 * Writes a checkpoint body: origin, decimal size, base64 root, extension lines; each ending in `\n`.
 *
 * @throws {TlogError} TLOG_CHECKPOINT_MALFORMED, TLOG_HASH_INVALID
 * @example
 * formatCheckpoint({ origin: 'arbiter.example/default', size: 3, root, extensions: [] })
 */
export function formatCheckpoint(body: CheckpointBody): string {
  if (body.origin.length === 0 || body.origin.includes('\n'))
    throw new TlogError('TLOG_CHECKPOINT_MALFORMED', 'checkpoint origin must be one non-empty line')
  if (!Number.isSafeInteger(body.size) || body.size < 0)
    throw new TlogError(
      'TLOG_CHECKPOINT_MALFORMED',
      `checkpoint size must be a non-negative integer, got ${body.size}`,
    )
  for (const line of body.extensions)
    if (line.length === 0 || line.includes('\n'))
      throw new TlogError(
        'TLOG_CHECKPOINT_MALFORMED',
        'checkpoint extension lines must be non-empty single lines',
      )
  const root = toHash(body.root, 'checkpoint root')
  return [body.origin, String(body.size), root.toString('base64'), ...body.extensions]
    .map((l) => `${l}\n`)
    .join('')
}

/**
 * Parses a checkpoint note's text (attacker-supplied: strict decimal, strict base64 of 32 bytes).
 *
 * @throws {TlogError} TLOG_CHECKPOINT_MALFORMED
 * @example
 * const { origin, size, root } = parseCheckpoint(openNote(note, verifiers).text)
 */
export function parseCheckpoint(text: string): CheckpointBody {
  if (!text.endsWith('\n'))
    throw new TlogError('TLOG_CHECKPOINT_MALFORMED', 'checkpoint text must end with a newline')
  const lines = text.slice(0, -1).split('\n')
  const [origin, sizeText, rootText, ...extensions] = lines
  if (origin === undefined || sizeText === undefined || rootText === undefined || lines.some((l) => l === ''))
    throw new TlogError(
      'TLOG_CHECKPOINT_MALFORMED',
      'checkpoint needs origin, size and root hash lines, none empty',
    )
  if (!/^(0|[1-9][0-9]{0,15})$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText)))
    throw new TlogError(
      'TLOG_CHECKPOINT_MALFORMED',
      `checkpoint size ${JSON.stringify(sizeText.slice(0, 40))} is not a decimal without leading zeros`,
    )
  const root = Buffer.from(rootText, 'base64')
  if (root.length !== HASH_SIZE || root.toString('base64') !== rootText)
    throw new TlogError('TLOG_CHECKPOINT_MALFORMED', 'checkpoint root hash must be base64 of 32 bytes')
  return { origin, size: Number(sizeText), root, extensions }
}
