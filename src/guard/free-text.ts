import type { Ledger } from '../ledger/index.js'
import type { PolicyEngine } from '../policy/index.js'
import { describeError, type Logger, silentLogger } from '../shared/index.js'
import { markersIn, valuesMatchingMarkers } from './marker-matches.js'
import { createValueScrubber, type ValueScrubber } from './value-scrubber.js'

/** Stored instead of a text the policy's detectors could not check (fail closed). */
export const WITHHELD_TEXT = '[withheld: could not be checked for sensitive data]'
/** Longest free text stored, in UTF-16 code units; the rest is cut (the full text is the tool's business). */
export const MAX_STORED_TEXT = 8192
/** Longest prefix the detectors see: a secret that starts inside the stored part is caught whole. */
const MAX_SCANNED_TEXT = 65536
/** Detector and marker matches are exactly what was found in the text: replace them at any length. */
const EXACT = { minLength: 1 }

/** What is known about the call a free text belongs to. */
export interface FreeTextOrigin {
  /** The decision it belongs to: its redaction markers are matched against the text's words. */
  readonly decisionId?: string
  /** The call's sensitive values, when this process made the decision (in-process tool errors). */
  readonly known?: ValueScrubber
}

/**
 * Makes free text safe for the ledger: tool error messages, outcome errors posted over HTTP, approval
 * comments: texts that never went through a policy decision.
 */
export interface FreeTextScrubber {
  /**
   * Returns each text with (1) the call's known sensitive values, (2) every substring the policy's
   * detectors flag (`arbiter/scan`), and (3) every word run matching one of the decision's redaction
   * markers replaced by `[redacted]`, cut to {@link MAX_STORED_TEXT}. When the detectors cannot run
   * (no `arbiter/scan` in the bundle, evaluation failure), each text is withheld entirely.
   */
  scrub(texts: readonly string[], origin?: FreeTextOrigin): Promise<string[]>
}

/** Cuts at `max` code units without splitting a surrogate pair (a lone half cannot be stored). */
function cut(text: string, max: number): string {
  if (text.length <= max) return text
  const end = /[\uD800-\uDBFF]/.test(text.charAt(max - 1)) ? max - 1 : max
  return text.slice(0, end)
}

/**
 * Creates the free-text scrubber. `ledger` and `redactionKey` enable marker matching (decision
 * known only by id, as over HTTP); `policy.scanTexts` supplies the detectors.
 *
 * @example
 * const texts = createFreeTextScrubber({ policy, ledger, chain: 'default', redactionKey })
 * const [error] = await texts.scrub(['account 4401778812 frozen'], { decisionId })
 */
export function createFreeTextScrubber(options: {
  readonly policy: Partial<Pick<PolicyEngine, 'scanTexts'>>
  readonly ledger?: Pick<Ledger, 'findByBodyField'>
  readonly chain?: string
  readonly redactionKey?: string | Uint8Array
  readonly logger?: Logger
}): FreeTextScrubber {
  const logger = options.logger ?? silentLogger
  const chain = options.chain ?? 'default'

  const detect = async (texts: string[]): Promise<string[] | null> => {
    try {
      if (!options.policy.scanTexts) throw new Error('the policy engine cannot scan text')
      const matches = texts.map((): string[] => [])
      for (const f of await options.policy.scanTexts(texts)) matches[f.text]?.push(f.match)
      return texts.map((text, i) =>
        matches[i]!.length > 0 ? createValueScrubber(matches[i]!, EXACT).scrub(text) : text,
      )
    } catch (error) {
      // Only the reason is logged, never the texts.
      logger.warn({ error: describeError(error) }, 'free text withheld: policy detectors unavailable')
      return null
    }
  }

  const markersOf = async (decisionId: string | undefined): Promise<Set<string>> => {
    if (!decisionId || !options.ledger || !options.redactionKey) return new Set()
    const [entry] = await options.ledger.findByBodyField('decision_id', decisionId, {
      chain,
      type: 'decision',
    })
    return markersIn(entry?.body)
  }

  return {
    async scrub(texts, origin = {}) {
      if (texts.length === 0) return []
      const known = texts.map((t) =>
        origin.known ? origin.known.scrub(cut(t, MAX_SCANNED_TEXT)) : cut(t, MAX_SCANNED_TEXT),
      )
      const detected = await detect(known)
      if (!detected) return texts.map(() => WITHHELD_TEXT)
      // In-process the known values already cover what the markers stand for.
      const markers = origin.known ? new Set<string>() : await markersOf(origin.decisionId)
      return detected.map((text) => {
        // A little past the stored length, so a value straddling the cut is still recognised whole.
        const window = cut(text, MAX_STORED_TEXT + 256)
        const echoed = valuesMatchingMarkers(window, markers, options.redactionKey ?? '')
        const clean = echoed.length > 0 ? createValueScrubber(echoed, EXACT).scrub(window) : window
        return clean.length > MAX_STORED_TEXT ? `${cut(clean, MAX_STORED_TEXT)} [truncated]` : clean
      })
    },
  }
}
