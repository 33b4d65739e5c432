import { describe, expect, it } from 'vitest'
import {
  decodeEntryBundle,
  encodeEntryBundle,
  parseTilePath,
  tileFitsTree,
  tileIndexPath,
  tileNodes,
  tilePath,
} from '../../../src/ledger/tlog/index.js'

describe('tlog-tiles paths', () => {
  it('encodes indexes in x-prefixed 3-digit groups (spec example 1234067)', () => {
    expect(tileIndexPath(1234067)).toBe('x001/x234/067')
    expect(tileIndexPath(0)).toBe('000')
    expect(tilePath({ kind: 'hash', level: 0, index: 1234067, width: 17 })).toBe('tile/0/x001/x234/067.p/17')
    expect(tilePath({ kind: 'entries', level: 0, index: 5, width: 256 })).toBe('tile/entries/005')
  })

  it('parses what it writes', () => {
    expect(parseTilePath('0/x001/x234/067.p/17')).toEqual({
      kind: 'hash',
      level: 0,
      index: 1234067,
      width: 17,
    })
    expect(parseTilePath('2/000')).toEqual({ kind: 'hash', level: 2, index: 0, width: 256 })
    expect(parseTilePath('entries/001.p/3')).toEqual({ kind: 'entries', level: 0, index: 1, width: 3 })
  })

  it.each([
    '64/000',
    '01/000',
    '0/1',
    '0/x000/001',
    '0/001/002',
    '0/000.p/0',
    '0/000.p/256',
    '0/000.p/017',
    '0/../000',
    'entries/',
    'x/000',
    `0/${'x000/'.repeat(10)}000`,
  ])('refuses %s with TLOG_TILE_INVALID', (path) => {
    expect(() => parseTilePath(path)).toThrowWithCode('TLOG_TILE_INVALID')
  })

  it('names the tree nodes of a tile and knows whether a tree holds them', () => {
    expect(tileNodes({ kind: 'hash', level: 1, index: 2, width: 2 })).toEqual([
      { level: 8, index: 512 },
      { level: 8, index: 513 },
    ])
    // Spec example: a tree of 70,000 has 273 full level-0 tiles, a partial one of width 112, a partial level 1 of 17.
    expect(tileFitsTree({ kind: 'hash', level: 0, index: 272, width: 256 }, 70_000)).toBe(true)
    expect(tileFitsTree({ kind: 'hash', level: 0, index: 273, width: 112 }, 70_000)).toBe(true)
    expect(tileFitsTree({ kind: 'hash', level: 0, index: 273, width: 113 }, 70_000)).toBe(false)
    expect(tileFitsTree({ kind: 'hash', level: 1, index: 1, width: 18 }, 70_000)).toBe(false)
    expect(tileFitsTree({ kind: 'hash', level: 1, index: 1, width: 17 }, 70_000)).toBe(true)
    expect(tileFitsTree({ kind: 'hash', level: 2, index: 0, width: 1 }, 70_000)).toBe(true)
  })
})

describe('entry bundles', () => {
  it('length-prefixes each entry with a big-endian uint16 and decodes back', () => {
    const bundle = encodeEntryBundle([Buffer.from('ab'), Buffer.alloc(0), Buffer.alloc(300, 1)])
    expect(bundle.subarray(0, 4)).toEqual(Buffer.from([0, 2, 0x61, 0x62]))
    expect(bundle.readUInt16BE(6)).toBe(300)
    expect(decodeEntryBundle(bundle).map((b) => b.length)).toEqual([2, 0, 300])
  })

  it('refuses an entry over 65535 bytes and a truncated bundle', () => {
    expect(() => encodeEntryBundle([Buffer.alloc(65_536)])).toThrowWithCode('TLOG_ENTRY_TOO_LARGE')
    expect(() => decodeEntryBundle(Buffer.from([0, 5, 1]))).toThrowWithCode('TLOG_TILE_INVALID')
    expect(() => decodeEntryBundle(Buffer.from([0]))).toThrowWithCode('TLOG_TILE_INVALID')
  })
})
