import { randomUUID } from 'node:crypto'

/** Produces unique ids (decision ids, approval ids); injected for deterministic tests. */
export interface IdFactory {
  next(): string
}

/** Random UUID v4 ids from `node:crypto`. */
export const randomIds: IdFactory = { next: () => randomUUID() }
