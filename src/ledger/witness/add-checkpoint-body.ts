import { WitnessError } from './errors.js'

/** Most consistency proof lines a client may send (C2SP tlog-witness). */
export const MAX_PROOF_LINES = 63

/** A parsed `add-checkpoint` request body. */
export interface AddCheckpointBody {
  /** The tree size of the previous checkpoint the client believes the witness cosigned. */
  readonly oldSize: number
  /** The consistency proof from `oldSize` to the checkpoint's size (32-byte hashes). */
  readonly proof: readonly Buffer[]
  /** The signed checkpoint note, text and signature lines, exactly as sent. */
  readonly note: string
}

const malformed = (why: string) => new WitnessError('WITNESS_REQUEST_MALFORMED', `add-checkpoint body ${why}`)

/**
 * Formats an `add-checkpoint` body: `old <size>`, one base64 hash per line, a blank line, the note.
 *
 * @example
 * formatAddCheckpointBody({ oldSize: 0, proof: [], note }) // 'old 0\n\n<note>'
 */
export function formatAddCheckpointBody(body: AddCheckpointBody): string {
  const proof = body.proof.map((hash) => `${hash.toString('base64')}\n`).join('')
  return `old ${body.oldSize}\n${proof}\n${body.note}`
}

/**
 * Parses an `add-checkpoint` body (attacker-controlled text; limit its size before calling).
 *
 * @throws {WitnessError} WITNESS_REQUEST_MALFORMED with what is wrong.
 * @example
 * const { oldSize, proof, note } = parseAddCheckpointBody(await readBody(req))
 */
export function parseAddCheckpointBody(text: string): AddCheckpointBody {
  const blank = text.indexOf('\n\n')
  if (blank < 0) throw malformed('has no blank line before the checkpoint')
  const head = text.slice(0, blank).split('\n')
  const old = /^old (0|[1-9][0-9]{0,15})$/.exec(head[0] ?? '')
  if (!old) throw malformed('must start with "old <size>" (decimal, no leading zeroes)')
  const oldSize = Number(old[1])
  if (!Number.isSafeInteger(oldSize)) throw malformed('old size is out of range')
  const lines = head.slice(1)
  if (lines.length > MAX_PROOF_LINES) throw malformed(`has more than ${MAX_PROOF_LINES} proof lines`)
  const proof = lines.map((line, i) => {
    const hash = Buffer.from(line, 'base64')
    if (hash.length !== 32 || hash.toString('base64') !== line)
      throw malformed(`proof line ${i + 1} is not base64 of a 32-byte hash`)
    return hash
  })
  if (oldSize === 0 && proof.length > 0) throw malformed('has a proof although old size is 0')
  return { oldSize, proof, note: text.slice(blank + 2) }
}
