import { type NodeId, TlogError } from './tlog/index.js'

// Which Merkle nodes the table stores, and how any other node is rebuilt from what is stored. Storing
// every node costs two rows per entry, which measurably slowed appends (issue 13 asks for ≥ 90 % of
// the append rate without the tree). Storing only even levels from 2 up costs a third of a row per
// entry; every other node is at most one hash away: a level-0 node is the leaf hash of its entry, a
// level-1 node the hash of two entries' leaves, an odd level ≥ 3 the hash of two stored children.

/** The lowest stored level: level-2 rows (4 leaves each) also mark how far the stored tree reaches. */
export const LOWEST_STORED_LEVEL = 2

/**
 * Whether the table stores nodes of `level` (even levels from 2 up). Rows of other levels written by
 * earlier versions are ignored by readers.
 *
 * @example
 * isStoredLevel(2) // true
 * isStoredLevel(3) // false
 */
export function isStoredLevel(level: number): boolean {
  return level >= LOWEST_STORED_LEVEL && level % 2 === 0
}

/** What computing a set of nodes reads: stored rows and entries (by leaf index), each once. */
export interface FetchList {
  readonly rows: NodeId[]
  readonly leaves: number[]
}

/**
 * The distinct stored rows and entries computing `nodes` reads, so one query fetches them all: a
 * level-0 node is its entry, a stored level its row, any other node its two children. Nodes for
 * which `known` is true (already cached) are not read, nor is anything below them.
 *
 * @example
 * fetchList([{ level: 1, index: 3 }]) // { rows: [], leaves: [6, 7] }
 * fetchList([{ level: 5, index: 1 }]) // { rows: [(4,2), (4,3)], leaves: [] }
 */
export function fetchList(
  nodes: readonly NodeId[],
  known: (node: NodeId) => boolean = () => false,
): FetchList {
  const rows = new Map<number, NodeId>()
  const leaves = new Set<number>()
  const visit = (node: NodeId): void => {
    if (known(node)) return
    if (node.level === 0) leaves.add(node.index)
    else if (isStoredLevel(node.level)) rows.set(nodeKey(node), node)
    else {
      visit({ level: node.level - 1, index: node.index * 2 })
      visit({ level: node.level - 1, index: node.index * 2 + 1 })
    }
  }
  for (const node of nodes) visit(node)
  return { rows: [...rows.values()], leaves: [...leaves].sort((x, y) => x - y) }
}

/**
 * Map key of a node: a number (levels are below 64), since proofs look nodes up dozens of times and a
 * string built per lookup cost more than the lookup.
 *
 * @throws {TlogError} TLOG_RANGE_INVALID for an index no real tree reaches (2^47 and above), whose
 * number would not be exact.
 * @example
 * nodeKey({ level: 2, index: 5 }) // 322
 */
export function nodeKey(node: NodeId): number {
  const key = node.index * 64 + node.level
  if (!Number.isSafeInteger(key))
    throw new TlogError('TLOG_RANGE_INVALID', `node index ${node.index} is out of range`)
  return key
}

/**
 * Leaves covered by the stored tree when its last level-2 row has index `lastLevel2` (null: none):
 * every complete group of four leaves up to there has its rows.
 *
 * @example
 * coveredLeaves(9) // 40
 */
export function coveredLeaves(lastLevel2: number | null): number {
  return lastLevel2 === null ? 0 : (lastLevel2 + 1) * 2 ** LOWEST_STORED_LEVEL
}

/**
 * Whether a stored tree covering `covered` leaves is complete for a chain of `size` entries (the
 * leaves after the last complete group of four are read from the entries themselves).
 *
 * @example
 * treeReaches(40, 43) // true
 */
export function treeReaches(covered: number, size: number): boolean {
  const group = 2 ** LOWEST_STORED_LEVEL
  return covered >= Math.floor(size / group) * group
}
