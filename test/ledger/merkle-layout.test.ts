import { describe, expect, it } from 'vitest'
import {
  coveredLeaves,
  fetchList,
  isStoredLevel,
  nodeRecipe,
  treeReaches,
} from '../../src/ledger/merkle-layout.js'
import { inclusionPlan, rootNodes } from '../../src/ledger/tlog/index.js'

describe('the Merkle storage layout', () => {
  it('stores even levels from 2 up and nothing else', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 62].map(isStoredLevel)).toEqual([
      false,
      false,
      true,
      false,
      true,
      false,
      true,
      true,
    ])
  })

  it('rebuilds any node from at most two stored rows or two entries', () => {
    expect(nodeRecipe({ level: 0, index: 9 })).toEqual({ kind: 'leaf', index: 9 })
    expect(nodeRecipe({ level: 2, index: 9 })).toEqual({ kind: 'row', node: { level: 2, index: 9 } })
    expect(nodeRecipe({ level: 1, index: 3 })).toEqual({
      kind: 'pair',
      left: { kind: 'leaf', index: 6 },
      right: { kind: 'leaf', index: 7 },
    })
    expect(nodeRecipe({ level: 5, index: 1 })).toEqual({
      kind: 'pair',
      left: { kind: 'row', node: { level: 4, index: 2 } },
      right: { kind: 'row', node: { level: 4, index: 3 } },
    })
  })

  it('reads a bounded number of rows and entries for a proof in a tree of a million leaves', () => {
    const size = 1_000_000
    for (const index of [0, 1, 499_999, 999_998, 999_999]) {
      const nodes = [{ level: 0, index }, ...inclusionPlan(index, size).flat(), ...rootNodes(size)]
      const { rows, leaves } = fetchList(nodes.map(nodeRecipe))
      expect(leaves.length).toBeLessThanOrEqual(4)
      expect(rows.length).toBeLessThanOrEqual(2 * nodes.length)
      expect(rows.every((n) => isStoredLevel(n.level))).toBe(true)
    }
  })

  it('knows how far a stored tree reaches', () => {
    expect(coveredLeaves(null)).toBe(0)
    expect(coveredLeaves(9)).toBe(40)
    expect(treeReaches(40, 43)).toBe(true)
    expect(treeReaches(40, 44)).toBe(false)
    expect(treeReaches(0, 3)).toBe(true)
  })
})
