import {
  type CheckpointBody,
  formatNote,
  type NoteVerifier,
  openNote,
  parseAddCheckpointBody,
  parseCheckpoint,
  parseNote,
  signCosignature,
  TlogError,
  verifyConsistency,
  WitnessError,
} from '../ledger/index.js'
import type { Logger } from '../shared/index.js'
import type { WitnessIdentity } from './witness-key.js'
import type { WitnessedCheckpoint, WitnessStateFile } from './witness-state.js'

/** The answer to one add-checkpoint request: HTTP status, content type and body. */
export interface WitnessResponse {
  readonly status: 200 | 400 | 403 | 404 | 409 | 422
  readonly contentType: string
  readonly body: string
}

/** What the witness needs to answer add-checkpoint. */
export interface AddCheckpointContext {
  readonly identity: WitnessIdentity
  /** The logs this witness cosigns, by origin, each with the only key(s) it accepts for that log. */
  readonly logs: ReadonlyMap<string, readonly NoteVerifier[]>
  readonly state: WitnessStateFile
  /** POSIX seconds for the cosignature timestamp. */
  readonly now: () => number
  readonly logger: Logger
}

const text = (status: WitnessResponse['status'], body: string): WitnessResponse => ({
  status,
  contentType: 'text/plain; charset=utf-8',
  body: `${body}\n`,
})
const sizeConflict = (size: number): WitnessResponse => ({
  status: 409,
  contentType: 'text/x.tlog.size',
  body: `${size}\n`,
})

/** Body, origin known, signature by the log's key: or the refusal (400, 404, 403) the spec names. */
function admit(
  raw: string,
  logs: AddCheckpointContext['logs'],
): { proof: readonly Buffer[]; oldSize: number; note: string; checkpoint: CheckpointBody } | WitnessResponse {
  let request: ReturnType<typeof parseAddCheckpointBody>
  let checkpoint: CheckpointBody
  try {
    request = parseAddCheckpointBody(raw)
    checkpoint = parseCheckpoint(parseNote(request.note).text)
  } catch (error) {
    if (error instanceof WitnessError || error instanceof TlogError) return text(400, error.message)
    throw error
  }
  const verifiers = logs.get(checkpoint.origin)
  if (!verifiers) return text(404, `unknown log origin ${JSON.stringify(checkpoint.origin).slice(0, 200)}`)
  let verified: ReturnType<typeof openNote>
  try {
    // Only the configured key(s) of this log count; signatures by other keys are ignored.
    verified = openNote(request.note, verifiers)
  } catch (error) {
    if (error instanceof TlogError) return text(403, error.message)
    throw error
  }
  if (request.oldSize > checkpoint.size)
    return text(400, `old size ${request.oldSize} is larger than the checkpoint size ${checkpoint.size}`)
  const note = formatNote({ text: verified.text, signatures: verified.verified })
  return { proof: request.proof, oldSize: request.oldSize, note, checkpoint }
}

/**
 * Answers a C2SP tlog-witness `add-checkpoint` request: checks the log's signature (only the key
 * configured for that origin), that `old` is the size this witness last cosigned (409 with that
 * size otherwise), that an equal size has an equal root (409) and that the consistency proof leads
 * from the last cosigned root to the new one (422); then persists the new checkpoint durably and
 * only then answers with its cosignature. Check and persist run as one step per witness process.
 *
 * @example
 * const res = await addCheckpoint(ctx, await readBody(req))
 * reply.status(res.status).type(res.contentType).send(res.body)
 */
export async function addCheckpoint(ctx: AddCheckpointContext, raw: string): Promise<WitnessResponse> {
  const admitted = admit(raw, ctx.logs)
  if ('status' in admitted) return admitted
  const { oldSize, proof, note, checkpoint } = admitted
  const { origin, size, root } = checkpoint
  return ctx.state.update(origin, (current) => {
    const lastSize = current?.size ?? 0
    if (oldSize !== lastSize) return { result: sizeConflict(lastSize) }
    if (current && size === current.size) {
      // Same size: a different root is a fork; the same root is cosigned again (fresh timestamp).
      if (root.toString('base64') !== current.root) {
        ctx.logger.warn({ origin, size }, 'witness refused a fork: same size, different root')
        return { result: sizeConflict(lastSize) }
      }
      if (proof.length > 0) return { result: text(422, 'a proof between equal sizes must be empty') }
    } else if (current && current.size > 0) {
      try {
        verifyConsistency(current.size, size, proof, Buffer.from(current.root, 'base64'), root)
      } catch (error) {
        if (!(error instanceof TlogError)) throw error
        // Kept in the witness log: a signed checkpoint that is not consistent is evidence of a fork.
        ctx.logger.warn(
          { origin, from: current.size, to: size, note },
          'witness refused an inconsistent checkpoint',
        )
        return {
          result: text(
            422,
            `consistency proof from ${current.size} to ${size} does not verify: ${error.message}`,
          ),
        }
      }
    }
    const body = parseNote(note).text
    const cosig = signCosignature(
      body,
      { name: ctx.identity.name, privateKey: ctx.identity.privateKey },
      ctx.now(),
    )
    const next: WitnessedCheckpoint = { size, root: root.toString('base64'), note, cosignature: cosig.line }
    return { next, result: text(200, cosig.line) }
  })
}
