import type { NodeId } from './tlog/index.js'

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

/** How one requested node is rebuilt: from a stored row, a leaf (entry), or the fold of two parts. */
export type NodeRecipe =
  | { readonly kind: 'row'; readonly node: NodeId }
  | { readonly kind: 'leaf'; readonly index: number }
  | { readonly kind: 'pair'; readonly left: NodeRecipe; readonly right: NodeRecipe }

/**
 * The recipe for `node` under the storage layout above.
 *
 * @example
 * nodeRecipe({ level: 1, index: 3 }) // pair of leaves 6 and 7
 */
export function nodeRecipe(node: NodeId): NodeRecipe {
  if (node.level === 0) return { kind: 'leaf', index: node.index }
  if (isStoredLevel(node.level)) return { kind: 'row', node }
  const below = node.level - 1
  return {
    kind: 'pair',
    left: nodeRecipe({ level: below, index: node.index * 2 }),
    right: nodeRecipe({ level: below, index: node.index * 2 + 1 }),
  }
}

/** What a set of recipes reads: stored rows and entries (by leaf index), each once. */
export interface FetchList {
  readonly rows: NodeId[]
  readonly leaves: number[]
}

/**
 * Collects the distinct rows and leaves `recipes` read, so one query fetches them all.
 *
 * @example
 * const { rows, leaves } = fetchList(nodes.map(nodeRecipe))
 */
export function fetchList(recipes: readonly NodeRecipe[]): FetchList {
  const rows = new Map<string, NodeId>()
  const leaves = new Set<number>()
  const visit = (r: NodeRecipe): void => {
    if (r.kind === 'row') rows.set(nodeKey(r.node), r.node)
    else if (r.kind === 'leaf') leaves.add(r.index)
    else {
      visit(r.left)
      visit(r.right)
    }
  }
  for (const r of recipes) visit(r)
  return { rows: [...rows.values()], leaves: [...leaves].sort((a, b) => a - b) }
}

/** Map key of a node. */
export function nodeKey(node: NodeId): string {
  return `${node.level}/${node.index}`
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
