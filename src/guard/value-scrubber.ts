/** What stands in for a sensitive value inside a stored text. */
export const REDACTED_TEXT = '[redacted]'

/**
 * Shorter values are only replaced where a whole string equals them: scrubbing every "12" out of
 * every message would shred the messages and hide nothing (a 3-character fragment identifies no one).
 */
export const MIN_SCRUB_LENGTH = 4

/**
 * Replaces known sensitive values inside texts. Values are kept in private fields, so logging or
 * serialising a scrubber (or a record holding one) shows `{}`, never the values.
 */
export interface ValueScrubber {
  /** `text` with every occurrence of a known value replaced by `[redacted]`; a whole-string match of any length too. */
  scrub(text: string): string
  /** True when no value is known (scrubbing is then the identity). */
  readonly empty: boolean
}

/** How a value can appear in a text: as itself, JSON-escaped (`\n`, `\"`), or Go/OPA-escaped (`\u003c`). */
function spellings(value: string): string[] {
  const json = JSON.stringify(value).slice(1, -1)
  const go = json
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029')
  return [...new Set([value, json, go])]
}

/**
 * Aho-Corasick automaton over UTF-16 code units. Written here rather than taken from a package because
 * scrubbing needs one particular bound: for each end position only the longest pattern ending there
 * matters (it covers the shorter ones), so a scan costs O(text) however the patterns overlap, where a
 * general matcher reports every overlapping match. Build is O(total pattern length).
 */
class Automaton {
  /** Edge `state * 65536 + code unit` -> next state. */
  private readonly edges = new Map<number, number>()
  private readonly fail: number[] = [0]
  /** Length of the longest pattern that is a suffix of the state's string; 0 for none. */
  private readonly longest: number[] = [0]
  private readonly depth: number[] = [0]
  private readonly children: number[][] = [[]]

  constructor(patterns: Iterable<string>) {
    for (const pattern of patterns) this.insert(pattern)
    this.link()
  }

  private insert(pattern: string): void {
    let state = 0
    for (let i = 0; i < pattern.length; i++) {
      const key = state * 65536 + pattern.charCodeAt(i)
      let next = this.edges.get(key)
      if (next === undefined) {
        next = this.depth.length
        this.edges.set(key, next)
        this.depth.push(this.depth[state]! + 1)
        this.fail.push(0)
        this.longest.push(0)
        this.children.push([])
        this.children[state]!.push(pattern.charCodeAt(i))
      }
      state = next
    }
    this.longest[state] = pattern.length
  }

  private step(state: number, code: number): number {
    let s = state
    for (;;) {
      const next = this.edges.get(s * 65536 + code)
      if (next !== undefined) return next
      if (s === 0) return 0
      s = this.fail[s]!
    }
  }

  /** Breadth-first failure links; `longest` inherits through them. */
  private link(): void {
    const queue: number[] = []
    for (const code of this.children[0]!) queue.push(this.edges.get(code)!)
    for (let head = 0; head < queue.length; head++) {
      const state = queue[head]!
      for (const code of this.children[state]!) {
        const child = this.edges.get(state * 65536 + code)!
        // The failure target is shallower than `child`, so it is never `child` itself.
        this.fail[child] = state === 0 ? 0 : this.step(this.fail[state]!, code)
        if (this.longest[child] === 0) this.longest[child] = this.longest[this.fail[child]!]!
        queue.push(child)
      }
    }
  }

  /** Merged [start, end) ranges covered by any pattern, in order. */
  ranges(text: string): Array<[number, number]> {
    const out: Array<[number, number]> = []
    let state = 0
    for (let i = 0; i < text.length; i++) {
      state = this.step(state, text.charCodeAt(i))
      const length = this.longest[state]!
      if (length === 0) continue
      const start = i + 1 - length
      // Ranges arrive by increasing end; a new one swallows earlier ones that start inside it.
      while (out.length > 0 && out[out.length - 1]![0] >= start) out.pop()
      const last = out[out.length - 1]
      if (last && last[1] >= start) last[1] = i + 1
      else out.push([start, i + 1])
    }
    return out
  }
}

class AutomatonScrubber implements ValueScrubber {
  readonly #exact: ReadonlySet<string>
  readonly #automaton: Automaton | null

  constructor(values: Iterable<string>, minLength: number) {
    const exact = new Set<string>()
    const patterns = new Set<string>()
    for (const value of values) {
      if (value.length === 0) continue
      exact.add(value)
      if (value.length >= minLength) for (const s of spellings(value)) patterns.add(s)
    }
    this.#exact = exact
    this.#automaton = patterns.size > 0 ? new Automaton(patterns) : null
  }

  get empty(): boolean {
    return this.#exact.size === 0
  }

  scrub(text: string): string {
    if (this.#exact.has(text)) return REDACTED_TEXT
    if (!this.#automaton) return text
    const ranges = this.#automaton.ranges(text)
    if (ranges.length === 0) return text
    let out = ''
    let at = 0
    for (const [start, end] of ranges) {
      out += text.slice(at, start) + REDACTED_TEXT
      at = end
    }
    return out + text.slice(at)
  }
}

/**
 * Builds a scrubber for `values` (raw sensitive texts: redacted argument values, detector matches).
 * Each value is also matched in its JSON-escaped and Go-escaped spellings, since messages may carry
 * values through `json.marshal`. Values shorter than `minLength` (default {@link MIN_SCRUB_LENGTH})
 * are replaced only as whole strings; pass 1 for values known to be exactly what was found in the
 * text (detector matches). Cost: build O(total value length), scrub O(text length).
 *
 * @example
 * createValueScrubber(['078-05-1120']).scrub('got "078-05-1120"') // 'got "[redacted]"'
 */
export function createValueScrubber(
  values: Iterable<string>,
  options: { minLength?: number } = {},
): ValueScrubber {
  return new AutomatonScrubber(values, Math.max(1, options.minLength ?? MIN_SCRUB_LENGTH))
}

/** Applies several scrubbers in turn. */
export function chainScrubbers(scrubbers: readonly ValueScrubber[]): ValueScrubber {
  const active = scrubbers.filter((s) => !s.empty)
  return {
    get empty() {
      return active.length === 0
    },
    scrub: (text) => active.reduce((t, s) => s.scrub(t), text),
  }
}
