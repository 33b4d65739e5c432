import { hash } from 'node:crypto'
import { nowUs } from './stats.js'

/**
 * The machine's speed at the moment, in the verifier's own unit: entries per second one thread gets
 * through doing only the SHA-256 work verification does per entry (the chain hash of a 520-byte entry
 * text to hex, its RFC 9162 leaf hash, one interior node), with no database and no parsing. Run in
 * the verifier's process right after it, so item 4's rate can be read against the machine's speed in
 * the same run (this VM's speed drifts by 1.5× between hours).
 *
 * @example
 * hashBaselinePerSec() // 480000
 */
export function hashBaselinePerSec(seconds = 1): number {
  const text = Buffer.from(`{"body":{"x":"${'y'.repeat(440)}"},"chain":"c","prev":"${'a'.repeat(64)}"}`)
  const leaf = Buffer.concat([Buffer.from([0]), text])
  const node = Buffer.alloc(65, 1)
  const round = 10_000
  let done = 0
  let sink = 0
  const t0 = nowUs()
  let elapsed = 0
  while (elapsed < seconds * 1e6) {
    for (let i = 0; i < round; i++) {
      sink += hash('sha256', leaf.subarray(1), 'hex').length
      const h = hash('sha256', leaf, 'binary')
      node.write(h, 1, 32, 'latin1')
      sink += hash('sha256', node, 'binary').length
    }
    done += round
    elapsed = nowUs() - t0
  }
  if (sink === 0) throw new Error('unreachable: hashes are never empty')
  return done / (elapsed / 1e6)
}
