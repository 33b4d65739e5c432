import { type CosignerKey, parseCosignerVkey } from './cosignature.js'
import { WitnessError } from './errors.js'

/** A witness as configured: its URL prefix (when known) and verifier key. */
export interface WitnessRef {
  readonly url?: string
  readonly key: CosignerKey
}

/**
 * Parses `<url>=<vkey>` (`--witness-url`, `ARBITER_WITNESS_URLS`, `arbiter verify --witness`) or a
 * bare `<vkey>`. Witness key names have no '=' (see `assertKeyName`), so the last '=' splits.
 *
 * @throws {WitnessError} WITNESS_KEY_INVALID with a one-line reason.
 * @example
 * parseWitnessRef('http://witness.internal:7380=witness.example/w1+1a2b3c4d+BN…')
 */
export function parseWitnessRef(text: string): WitnessRef {
  const eq = text.lastIndexOf('=')
  if (eq < 0) return { key: parseCosignerVkey(text) }
  const rawUrl = text.slice(0, eq)
  let url: URL
  try {
    url = new URL(rawUrl)
  } catch {
    throw new WitnessError(
      'WITNESS_KEY_INVALID',
      `witness ${JSON.stringify(rawUrl).slice(0, 120)} is not a URL`,
    )
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new WitnessError('WITNESS_KEY_INVALID', `witness URL must be http(s), got ${url.protocol}`)
  return { url: rawUrl.replace(/\/+$/, ''), key: parseCosignerVkey(text.slice(eq + 1)) }
}

/**
 * Splits a list of witnesses (`ARBITER_WITNESS_URLS`: comma- or whitespace-separated `<url>=<vkey>`).
 *
 * @throws {WitnessError} WITNESS_KEY_INVALID
 * @example
 * parseWitnessList(process.env.ARBITER_WITNESS_URLS ?? '')
 */
export function parseWitnessList(text: string): WitnessRef[] {
  return text
    .split(/[\s,]+/)
    .filter(Boolean)
    .map(parseWitnessRef)
}
