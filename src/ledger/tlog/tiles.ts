import { TlogError } from './errors.js'
import type { NodeId } from './tree-plan.js'

/** C2SP tlog-tiles: tiles are 8 levels high, so a full tile holds 256 hashes. */
export const TILE_HEIGHT = 8
export const TILE_WIDTH = 256
/** Entry bundles length-prefix each entry with a big-endian uint16. */
export const MAX_BUNDLE_ENTRY = 0xffff

/** A hash tile (`kind: 'hash'`, level 0-63) or an entry bundle (`kind: 'entries'`, level 0). */
export interface TileRef {
  readonly kind: 'hash' | 'entries'
  readonly level: number
  readonly index: number
  /** 256 for a full tile, 1-255 for a partial one (`.p/<W>`). */
  readonly width: number
}

/**
 * Encodes a tile index as zero-padded 3-digit path elements, all but the last prefixed with `x`.
 *
 * @example
 * tileIndexPath(1234067) // 'x001/x234/067'
 */
export function tileIndexPath(index: number): string {
  const groups: string[] = []
  let n = index
  do {
    groups.unshift(String(n % 1000).padStart(3, '0'))
    n = Math.floor(n / 1000)
  } while (n > 0)
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/')
}

/**
 * The path of a tile under a log prefix, without a leading slash.
 *
 * @example
 * tilePath({ kind: 'hash', level: 0, index: 1234067, width: 17 }) // 'tile/0/x001/x234/067.p/17'
 */
export function tilePath(ref: TileRef): string {
  const head = ref.kind === 'entries' ? 'tile/entries' : `tile/${ref.level}`
  const partial = ref.width < TILE_WIDTH ? `.p/${ref.width}` : ''
  return `${head}/${tileIndexPath(ref.index)}${partial}`
}

function bad(path: string, why: string): TlogError {
  return new TlogError('TLOG_TILE_INVALID', `tile path ${JSON.stringify(path.slice(0, 120))}: ${why}`)
}

/**
 * Parses the part of a tile URL after `tile/` (attacker-supplied): `<L>/<N>[.p/<W>]` or
 * `entries/<N>[.p/<W>]`. Strict: the path must be the canonical encoding of what it names.
 *
 * @throws {TlogError} TLOG_TILE_INVALID
 * @example
 * parseTilePath('0/x001/x234/067.p/17')
 */
export function parseTilePath(path: string): TileRef {
  if (path.length > 200) throw bad(path, 'too long')
  const parts = path.split('/')
  const head = parts.shift()
  const kind = head === 'entries' ? 'entries' : 'hash'
  if (kind === 'hash' && !/^(0|[1-9][0-9]?)$/.test(head ?? '')) throw bad(path, 'level must be 0-63')
  const level = kind === 'hash' ? Number(head) : 0
  if (level > 63) throw bad(path, 'level must be 0-63')
  let width = TILE_WIDTH
  const last = parts[parts.length - 2]
  if (last?.endsWith('.p')) {
    const w = parts.pop()!
    if (!/^[1-9][0-9]{0,2}$/.test(w) || Number(w) > 255) throw bad(path, 'partial width must be 1-255')
    width = Number(w)
    parts[parts.length - 1] = last.slice(0, -2)
  }
  if (parts.length === 0 || parts.length > 6) throw bad(path, 'missing or oversized tile index')
  let index = 0
  parts.forEach((part, i) => {
    const digits = i < parts.length - 1 ? part.replace(/^x/, '') : part
    if ((i < parts.length - 1 && !part.startsWith('x')) || !/^[0-9]{3}$/.test(digits))
      throw bad(path, 'index elements must be 3 digits, all but the last prefixed with x')
    index = index * 1000 + Number(digits)
  })
  const ref: TileRef = { kind, level, index, width }
  if (!Number.isSafeInteger(index) || tilePath(ref) !== `tile/${path}`)
    throw bad(path, 'not the canonical encoding')
  return ref
}

/**
 * The tree nodes whose hashes make up a hash tile: level `8L`, indices `N*256 … N*256+W-1`. For an
 * entry bundle, the level-0 nodes (leaves) it covers.
 *
 * @example
 * tileNodes({ kind: 'hash', level: 1, index: 0, width: 2 }) // [{level:8,index:0},{level:8,index:1}]
 */
export function tileNodes(ref: TileRef): NodeId[] {
  const level = ref.level * TILE_HEIGHT
  return Array.from({ length: ref.width }, (_, i) => ({ level, index: ref.index * TILE_WIDTH + i }))
}

/**
 * Whether a tree of `size` leaves holds every node of the tile (a tile past the tree must not be served).
 *
 * @example
 * tileFitsTree({ kind: 'hash', level: 0, index: 0, width: 256 }, 300) // true
 */
export function tileFitsTree(ref: TileRef, size: number): boolean {
  const span = 2 ** (ref.level * TILE_HEIGHT)
  return (ref.index * TILE_WIDTH + ref.width) * span <= size
}

/**
 * An entry bundle: each leaf as a big-endian uint16 length and its bytes.
 *
 * @throws {TlogError} TLOG_ENTRY_TOO_LARGE when a leaf is longer than 65535 bytes (the format's limit).
 * @example
 * encodeEntryBundle([leafA, leafB])
 */
export function encodeEntryBundle(leaves: readonly Uint8Array[]): Buffer {
  const parts: Buffer[] = []
  for (const leaf of leaves) {
    if (leaf.length > MAX_BUNDLE_ENTRY)
      throw new TlogError(
        'TLOG_ENTRY_TOO_LARGE',
        `an entry of ${leaf.length} bytes does not fit a C2SP entry bundle (at most ${MAX_BUNDLE_ENTRY} bytes ` +
          'per entry); read this range through GET /v1/entries or GET /v1/export instead',
      )
    const len = Buffer.alloc(2)
    len.writeUInt16BE(leaf.length)
    parts.push(len, Buffer.from(leaf))
  }
  return Buffer.concat(parts)
}

/**
 * Splits an entry bundle into its leaves (attacker-supplied bytes: every length is bounds-checked).
 *
 * @throws {TlogError} TLOG_TILE_INVALID
 * @example
 * decodeEntryBundle(bytes).length // entries in the bundle
 */
export function decodeEntryBundle(bundle: Uint8Array): Buffer[] {
  const buf = Buffer.from(bundle.buffer, bundle.byteOffset, bundle.byteLength)
  const out: Buffer[] = []
  let at = 0
  while (at < buf.length) {
    if (at + 2 > buf.length) throw new TlogError('TLOG_TILE_INVALID', `entry bundle truncated at byte ${at}`)
    const len = buf.readUInt16BE(at)
    if (at + 2 + len > buf.length)
      throw new TlogError('TLOG_TILE_INVALID', `entry bundle truncated at byte ${at}`)
    out.push(Buffer.from(buf.subarray(at + 2, at + 2 + len)))
    at += 2 + len
  }
  return out
}
