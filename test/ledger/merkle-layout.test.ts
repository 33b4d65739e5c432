import { describe, expect, it } from 'vitest'
import { coveredLeaves, fetchList, isStoredLevel, treeReaches } from '../../src/ledger/merkle-layout.js'
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
    expect(fetchList([{ level: 0, index: 9 }])).toEqual({ rows: [], leaves: [9] })
    expect(fetchList([{ level: 2, index: 9 }])).toEqual({ rows: [{ level: 2, index: 9 }], leaves: [] })
    expect(fetchList([{ level: 1, index: 3 }])).toEqual({ rows: [], leaves: [6, 7] })
    expect(fetchList([{ level: 5, index: 1 }])).toEqual({
      rows: [
        { level: 4, index: 2 },
        { level: 4, index: 3 },
      ],
      leaves: [],
    })
  })

  it('reads nothing below a node it already knows', () => {
    const known = (n: { level: number }) => n.level >= 4
    expect(fetchList([{ level: 5, index: 1 }], known)).toEqual({ rows: [], leaves: [] })
    expect(fetchList([{ level: 3, index: 1 }], known)).toEqual({
      rows: [
        { level: 2, index: 2 },
        { level: 2, index: 3 },
      ],
      leaves: [],
    })
  })

  it('reads a bounded number of rows and entries for a proof in a tree of a million leaves', () => {
    const size = 1_000_000
    for (const index of [0, 1, 499_999, 999_998, 999_999]) {
      const nodes = [{ level: 0, index }, ...inclusionPlan(index, size).flat(), ...rootNodes(size)]
      const { rows, leaves } = fetchList(nodes)
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
