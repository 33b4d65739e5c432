import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { z } from 'zod'
import { WitnessError } from '../ledger/index.js'

/** What a witness remembers of one log: the latest checkpoint it cosigned. */
export interface WitnessedCheckpoint {
  readonly size: number
  /** Base64 of the 32-byte root hash. */
  readonly root: string
  /** The cosigned checkpoint as a signed note: its text and the log signature(s) that verified. */
  readonly note: string
  /** The witness's own cosignature line on it. */
  readonly cosignature: string
}

const checkpointSchema = z.strictObject({
  size: z.number().int().nonnegative(),
  root: z.string().length(44),
  note: z.string().min(1),
  cosignature: z.string().min(1),
})
const stateSchema = z.strictObject({
  version: z.literal(1),
  logs: z.record(z.string().min(1), checkpointSchema),
})
type StateFile = z.infer<typeof stateSchema>

/**
 * The witness's own state: one JSON file (`<dataDir>/witness-state.json`), never the ledger's
 * database. Each update is written to a temporary file, fsynced and renamed over the old one (then the
 * directory is fsynced), so a crash leaves either the old or the new state, never a torn one. Updates
 * run one at a time (`update` queues them), so "check the old size, then persist" is atomic within
 * the witness process; `acquireDataDirLock` keeps a second process off the same directory.
 *
 * @example
 * const state = WitnessStateFile.open('./witness-data')
 * await state.update('example.com/log', (current) => next)
 */
export class WitnessStateFile {
  private queue: Promise<unknown> = Promise.resolve()

  private constructor(
    private readonly path: string,
    private state: StateFile,
  ) {}

  /**
   * Opens (or starts empty) the state in `dataDir`.
   *
   * @throws {WitnessError} WITNESS_STATE_INVALID when the file exists but is not a valid state.
   */
  static open(dataDir: string): WitnessStateFile {
    const path = join(dataDir, 'witness-state.json')
    let text: string
    try {
      text = readFileSync(path, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT')
        return new WitnessStateFile(path, { version: 1, logs: {} })
      throw new WitnessError('WITNESS_STATE_INVALID', `cannot read ${path}: ${String(error)}`, {
        cause: error,
      })
    }
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch (error) {
      throw new WitnessError('WITNESS_STATE_INVALID', `${path} is not JSON`, { cause: error })
    }
    const result = stateSchema.safeParse(parsed)
    if (!result.success)
      throw new WitnessError('WITNESS_STATE_INVALID', `${path} is not a witness state file`)
    return new WitnessStateFile(path, result.data)
  }

  /** The latest cosigned checkpoint for `origin`, or null when none. */
  latest(origin: string): WitnessedCheckpoint | null {
    return Object.hasOwn(this.state.logs, origin) ? this.state.logs[origin]! : null
  }

  /** Every origin with a cosigned checkpoint, and that checkpoint. */
  all(): ReadonlyArray<readonly [string, WitnessedCheckpoint]> {
    return Object.entries(this.state.logs)
  }

  /**
   * Runs `decide` with the current checkpoint of `origin`; when it returns a new checkpoint, that is
   * persisted (durably) before the returned promise resolves. Calls run strictly one after another.
   */
  update<T>(
    origin: string,
    decide: (current: WitnessedCheckpoint | null) => { next?: WitnessedCheckpoint; result: T },
  ): Promise<T> {
    const run = this.queue.then(() => {
      const { next, result } = decide(this.latest(origin))
      if (next) {
        const state: StateFile = { version: 1, logs: { ...this.state.logs, [origin]: next } }
        writeAtomically(this.path, `${JSON.stringify(state, null, 2)}\n`)
        this.state = state
      }
      return result
    })
    this.queue = run.catch(() => undefined)
    return run
  }
}

/** Writes `text` to `path` via a fsynced temporary file and a rename, then fsyncs the directory. */
function writeAtomically(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true })
  const temp = `${path}.${process.pid}.tmp`
  const fd = openSync(temp, 'w', 0o600)
  try {
    writeSync(fd, text)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  renameSync(temp, path)
  const dir = openSync(dirname(path), 'r')
  try {
    fsyncSync(dir)
  } finally {
    closeSync(dir)
  }
}
