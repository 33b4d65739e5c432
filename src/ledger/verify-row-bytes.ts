// Checks over the bytes of a stored row (untrusted), for the binary COPY reader (verify-row-batch.ts):
// each is what row.ts checks with a regular expression on a string, without making the string.

/** Length of an RFC 3339 timestamp with milliseconds and Z. @internal */
export const TS_LENGTH = 24

// Lowercase hex digits, by byte.
const HEX = new Uint8Array(256)
for (const c of Buffer.from('0123456789abcdef')) HEX[c] = 1

/** 64 lowercase hex digits at `at`. @internal */
export function isHex64(b: Buffer, at: number): boolean {
  let ok = 1
  for (let i = at; i < at + 64; i++) ok &= HEX[b[i]!]!
  return ok === 1
}

// `^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$` over bytes.
const TS_SHAPE = '0000-00-00T00:00:00.000Z'
/** `YYYY-MM-DDTHH:MM:SS.mmmZ` at `at` (ASCII digits only, as `\d` in row.ts). @internal */
export function isTimestamp(b: Buffer, at: number): boolean {
  for (let i = 0; i < TS_LENGTH; i++) {
    const c = b[at + i]!
    const want = TS_SHAPE.charCodeAt(i)
    if (want === 0x30 ? c < 0x30 || c > 0x39 : c !== want) return false
  }
  return true
}

/** The text in `[at, end)` opens a JSON object after optional whitespace. @internal */
export function startsAnObject(b: Buffer, at: number, end: number): boolean {
  let i = at
  // JSON whitespace: space, tab, line feed, carriage return.
  while (i < end && (b[i] === 0x20 || b[i] === 0x09 || b[i] === 0x0a || b[i] === 0x0d)) i++
  return i < end && b[i] === 0x7b
}

// JSON.stringify leaves printable ASCII other than `"` and `\` as it is.
/** No byte in `[at, end)` that JSON.stringify would escape (or that is not ASCII). @internal */
export function plainAscii(b: Buffer, at: number, end: number): boolean {
  for (let i = at; i < end; i++) {
    const c = b[i]!
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return false
  }
  return true
}
