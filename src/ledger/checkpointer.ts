import type { KeyObject } from 'node:crypto'
import type { Kysely } from 'kysely'
import { type Clock, type Logger, silentLogger, systemClock, toRfc3339Millis } from '../shared/index.js'
import { writeAnchor } from './anchor-dir.js'
import { assertChainId } from './chain.js'
import { type StoredCheckpoint, signCheckpoint } from './checkpoint.js'
import { LedgerError } from './errors.js'
import { MerkleTreeReader } from './merkle-reader.js'
import type { LedgerDatabase } from './schema.js'
import {
  checkpointOrigin,
  ed25519NoteSigner,
  ed25519VerifierKey,
  formatCheckpoint,
  signNote,
} from './tlog/index.js'

export interface CheckpointerOptions {
  readonly signingKey: KeyObject
  /** Checkpoint a chain after this many new entries (default 1000; 0 disables). */
  readonly everyEntries?: number
  /** Checkpoint every chain on this period even when idle (default 60 s; 0 disables). */
  readonly everyMs?: number
  /** Also write each checkpoint to `<anchorDir>/<chain>/<seq>.json`. */
  readonly anchorDir?: string
  readonly clock?: Clock
  readonly logger?: Logger
  /**
   * Told of every checkpoint once it is stored (e.g. to submit it to witnesses). Called synchronously
   * and must not throw; slow work belongs in its own background task.
   */
  readonly onSigned?: (checkpoint: StoredCheckpoint) => void
  /**
   * Names the deployment in each chain's log origin `<deployment>/<chain>` (the first line of the
   * signed-note checkpoint and the note key name). Default `arbiter`.
   */
  readonly deployment?: string
}

/** The default deployment name in log origins. */
export const DEFAULT_DEPLOYMENT = 'arbiter'

/**
 * Signs the head of a chain with Ed25519 and stores it in `ledger_checkpoints` (and the anchor dir):
 * on demand, every N entries, and every T milliseconds even when nothing happened, so a verifier can
 * tell "nothing happened" from "history was cut".
 *
 * @example
 * const checkpointer = new Checkpointer(db, { signingKey, anchorDir: './anchors' })
 * await checkpointer.checkpoint('default')
 */
export class Checkpointer {
  private readonly sinceLast = new Map<string, number>()
  private readonly inFlight = new Set<Promise<unknown>>()
  private timer: NodeJS.Timeout | null = null
  private readonly clock: Clock
  private readonly logger: Logger

  constructor(
    private readonly db: Kysely<LedgerDatabase>,
    private readonly options: CheckpointerOptions,
  ) {
    this.clock = options.clock ?? systemClock
    this.logger = options.logger ?? silentLogger
  }

  /**
   * Signs and stores the current last entry of `chain`; null when the chain is empty.
   *
   * @throws {LedgerError} LEDGER_CHECKPOINT_FAILED, LEDGER_REQUEST_INVALID for a malformed chain id
   */
  async checkpoint(chain: string): Promise<StoredCheckpoint | null> {
    assertChainId(chain)
    let checkpoint: StoredCheckpoint
    try {
      // The last entry itself, not ledger_heads: a checkpoint must name an entry that exists.
      const last = await this.db
        .selectFrom('ledger_entries')
        .select(['seq', 'hash'])
        .where('chain', '=', chain)
        .orderBy('seq', 'desc')
        .limit(1)
        .executeTakeFirst()
      if (!last) return null
      const seq = Number(last.seq)
      checkpoint = {
        ...signCheckpoint(
          { chain, seq, hash: last.hash, ts: toRfc3339Millis(this.clock.now()) },
          this.options.signingKey,
        ),
        note: await this.signedNote(chain, seq),
      }
      await this.db.insertInto('ledger_checkpoints').values(checkpoint).execute()
    } catch (error) {
      if (error instanceof LedgerError) throw error
      throw new LedgerError(
        'LEDGER_CHECKPOINT_FAILED',
        `checkpoint of chain ${chain} failed: ${String(error)}`,
        {
          cause: error,
        },
      )
    }
    this.sinceLast.set(chain, 0)
    if (this.options.anchorDir) writeAnchor(this.options.anchorDir, checkpoint)
    try {
      this.options.onSigned?.(checkpoint)
    } catch (error) {
      this.logger.error({ err: error, chain }, 'checkpoint listener failed')
    }
    this.logger.debug({ chain, seq: checkpoint.seq, keyId: checkpoint.key_id }, 'ledger checkpoint signed')
    return checkpoint
  }

  /** The log origin (and note key name) of a chain: `<deployment>/<chain>`. */
  origin(chain: string): string {
    assertChainId(chain)
    return checkpointOrigin(this.options.deployment ?? DEFAULT_DEPLOYMENT, chain)
  }

  /**
   * The verifier key of a chain's log (`<origin>+<hex8>+<base64>`), for witnesses and auditors.
   *
   * @example
   * checkpointer.verifierKey('default') // 'arbiter/default+1a2b3c4d+AU…'
   */
  verifierKey(chain: string): string {
    return ed25519VerifierKey(this.origin(chain), this.options.signingKey)
  }

  /** The tlog-checkpoint note of the tree of `seq` entries (the tree is completed first if it lags). */
  private async signedNote(chain: string, seq: number): Promise<string> {
    const origin = this.origin(chain)
    const { root } = await new MerkleTreeReader(this.db).root(chain, seq)
    const body = formatCheckpoint({ origin, size: seq, root, extensions: [] })
    return signNote(body, [ed25519NoteSigner(origin, this.options.signingKey)])
  }

  /** Checkpoints every chain that has entries. */
  async checkpointAll(): Promise<StoredCheckpoint[]> {
    const chains = await this.db.selectFrom('ledger_heads').select('chain').where('seq', '>', '0').execute()
    const done: StoredCheckpoint[] = []
    for (const { chain } of chains) {
      const cp = await this.checkpoint(chain)
      if (cp) done.push(cp)
    }
    return done
  }

  /** Counts committed entries; checkpoints the chain in the background once `everyEntries` is reached. */
  noteCommitted(chain: string, count: number): void {
    const every = this.options.everyEntries ?? 1000
    if (every <= 0) return
    const total = (this.sinceLast.get(chain) ?? 0) + count
    this.sinceLast.set(chain, total)
    if (total >= every) {
      this.sinceLast.set(chain, Number.NEGATIVE_INFINITY) // one in flight at a time per chain
      this.track(
        this.checkpoint(chain).catch((error: unknown) => {
          this.sinceLast.set(chain, 0)
          throw error
        }),
      )
    }
  }

  /** Starts the periodic checkpoint timer (unref'd: it never keeps the process alive). */
  start(): void {
    const every = this.options.everyMs ?? 60_000
    if (every <= 0 || this.timer) return
    this.timer = setInterval(() => this.track(this.checkpointAll()), every)
    this.timer.unref()
  }

  /** Stops the timer and waits for checkpoints in flight. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    await Promise.allSettled([...this.inFlight])
  }

  /**
   * Stops, then signs a final checkpoint of every chain, so a graceful shutdown leaves no unsigned
   * tail and a verifier sees the newest state signed. A failure is logged, not thrown: shutdown goes
   * on, and the next start checkpoints again.
   *
   * @example
   * await checkpointer.close() // in a SIGTERM handler, after the last append
   */
  async close(): Promise<void> {
    await this.stop()
    try {
      const done = await this.checkpointAll()
      this.logger.debug({ chains: done.length }, 'final ledger checkpoints signed')
    } catch (error) {
      this.logger.error({ err: error }, 'final ledger checkpoint failed')
    }
  }

  private track(work: Promise<unknown>): void {
    const tracked = work
      .catch((error: unknown) => {
        this.logger.error({ err: error }, 'ledger checkpoint failed')
      })
      .finally(() => this.inFlight.delete(tracked))
    this.inFlight.add(tracked)
  }
}
