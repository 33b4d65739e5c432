import { ArbiterError } from '../shared/index.js'

export type EntryErrorCode = 'ENTRY_BODY_INVALID' | 'ENTRY_TYPE_MISMATCH'

/** Where an entry sits in the ledger, for messages (`default#41`). */
export interface EntryLocation {
  readonly chain: string
  readonly seq: number
}

/**
 * A ledger entry's body does not match the schema of its type (`ENTRY_BODY_INVALID`), or a reader was
 * handed an entry of another type than it reads (`ENTRY_TYPE_MISMATCH`). The ledger accepts any object
 * body, so this is found on reading, never on appending.
 */
export class EntryBodyError extends ArbiterError<EntryErrorCode> {
  constructor(
    code: EntryErrorCode,
    readonly type: string,
    readonly at: EntryLocation | undefined,
    message: string,
    readonly issues: ReadonlyArray<{ path: string; message: string }> = [],
  ) {
    super(code, message)
  }
}

/** `default#41`, or `(unstored)` for a body not read from a ledger. */
export function describeLocation(at: EntryLocation | undefined): string {
  return at ? `${at.chain}#${at.seq}` : '(unstored)'
}
