import type { Kysely } from 'kysely'
import { type Clock, type Logger, silentLogger, sleep, systemClock } from '../shared/index.js'
import { lastCosignedSize, recordCosignature } from './cosignature-store.js'
import type { LedgerDatabase } from './schema.js'
import { parseCheckpoint, parseNote } from './tlog/index.js'
import {
  type CosignerKey,
  formatAddCheckpointBody,
  verifyCosignatureLine,
  WitnessError,
} from './witness/index.js'

/** A witness the log submits its checkpoints to: its submission URL prefix and verifier key. */
export interface WitnessEndpoint {
  readonly url: string
  readonly key: CosignerKey
}

export interface WitnessSubmitterOptions {
  readonly witnesses: readonly WitnessEndpoint[]
  /** Consistency proof of `chain` from `from` to `to` leaves (from the stored tree). */
  readonly prove: (chain: string, from: number, to: number) => Promise<Buffer[]>
  /** Attempts per witness and checkpoint (default 3), with 0.5 s, 1 s … between them. */
  readonly attempts?: number
  /** Per-request timeout (default 5 s). */
  readonly timeoutMs?: number
  readonly clock?: Clock
  readonly logger?: Logger
}

type Attempt = { kind: 'cosigned' } | { kind: 'conflict'; size: number } | { kind: 'retry'; reason: string }

/**
 * Submits each new checkpoint to every configured witness (C2SP tlog-witness add-checkpoint) with a
 * consistency proof from the size that witness last cosigned, verifies the cosignature it returns and
 * stores it (`ledger_cosignatures`). Runs beside the checkpointer: nothing waits for it on the
 * decision path, and a witness that is down only costs retries and a logged warning.
 *
 * @example
 * const submitter = new WitnessSubmitter(db, { witnesses, prove })
 * await submitter.submit('default', signedNote)
 */
export class WitnessSubmitter {
  private readonly clock: Clock
  private readonly logger: Logger
  /** Per chain and witness, one submission at a time (sizes must only grow). */
  private readonly lanes = new Map<string, Promise<unknown>>()

  constructor(
    private readonly db: Kysely<LedgerDatabase>,
    private readonly options: WitnessSubmitterOptions,
  ) {
    this.clock = options.clock ?? systemClock
    this.logger = options.logger ?? silentLogger
  }

  /** Submits `note` (a signed checkpoint of `chain`) to every witness; never throws. */
  submit(chain: string, note: string): Promise<void> {
    const all = this.options.witnesses.map((w) => {
      const lane = `${chain}\n${w.url}`
      const run = (this.lanes.get(lane) ?? Promise.resolve()).then(() => this.submitTo(chain, note, w))
      const settled = run.catch((error: unknown) => {
        this.logger.warn({ err: error, chain, witness: w.key.name }, 'witness did not cosign the checkpoint')
      })
      this.lanes.set(lane, settled)
      return settled
    })
    return Promise.all(all).then(() => undefined)
  }

  private async submitTo(chain: string, note: string, witness: WitnessEndpoint): Promise<void> {
    const { text } = parseNote(note)
    const { size } = parseCheckpoint(text)
    let old =
      (await lastCosignedSize(this.db, chain, witness.key.name, witness.key.keyId.toString('hex'))) ?? 0
    if (old > size) old = 0 // our record is ahead of this checkpoint: let the witness tell us its size
    const attempts = this.options.attempts ?? 3
    let conflicts = 0
    for (let attempt = 1; attempt <= attempts; ) {
      const result = await this.attempt(chain, note, text, size, old, witness)
      if (result.kind === 'cosigned') return
      if (result.kind === 'conflict' && conflicts++ === 0 && result.size <= size) {
        old = result.size // the witness remembers another size: prove from there, once
        continue
      }
      if (result.kind === 'conflict')
        throw new WitnessError(
          'WITNESS_REFUSED',
          `witness ${witness.key.name} has cosigned ${result.size} entries of ${chain}; this checkpoint has ${size}`,
        )
      if (attempt === attempts) throw new WitnessError('WITNESS_UNREACHABLE', result.reason)
      await sleep(250 * 2 ** attempt)
      attempt += 1
    }
  }

  private async attempt(
    chain: string,
    note: string,
    text: string,
    size: number,
    old: number,
    witness: WitnessEndpoint,
  ): Promise<Attempt> {
    const proof = old > 0 && old < size ? await this.options.prove(chain, old, size) : []
    let res: Response
    let body: string
    try {
      res = await fetch(
        new URL('add-checkpoint', witness.url.endsWith('/') ? witness.url : `${witness.url}/`),
        {
          method: 'POST',
          headers: { 'content-type': 'text/plain; charset=utf-8' },
          body: formatAddCheckpointBody({ oldSize: old, proof, note }),
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
        },
      )
      // The witness is not trusted either: read a bounded answer.
      body = (await res.text()).slice(0, 16 * 1024)
    } catch (error) {
      return { kind: 'retry', reason: `witness ${witness.key.name} unreachable: ${String(error)}` }
    }
    if (res.status === 409 && /^(0|[1-9][0-9]{0,15})\n$/.test(body))
      return { kind: 'conflict', size: Number(body.trim()) }
    if (res.status >= 500)
      return { kind: 'retry', reason: `witness ${witness.key.name} answered ${res.status}` }
    if (res.status !== 200)
      throw new WitnessError(
        'WITNESS_REFUSED',
        `witness ${witness.key.name} refused ${chain} at ${size}: ${res.status} ${body.trim().slice(0, 200)}`,
      )
    const cosig = body
      .split('\n')
      .map((line) => verifyCosignatureLine(text, line, witness.key))
      .find((c) => c !== null)
    if (!cosig)
      throw new WitnessError(
        'WITNESS_COSIGNATURE_INVALID',
        `witness ${witness.key.name} returned no valid cosignature`,
      )
    const { root } = parseCheckpoint(text)
    await recordCosignature(
      this.db,
      {
        chain,
        treeSize: size,
        rootHash: root.toString('base64'),
        note,
        witnessName: witness.key.name,
        witnessKeyId: witness.key.keyId.toString('hex'),
        witnessVkey: witness.key.vkey,
        cosignature: cosig.line,
        cosignedAt: cosig.timestamp,
      },
      this.clock.now(),
    )
    return { kind: 'cosigned' }
  }

  /** Waits for every submission in flight. */
  async flush(): Promise<void> {
    await Promise.allSettled([...this.lanes.values()])
  }
}
