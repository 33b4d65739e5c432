import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base'
import type { BenchGuard } from '../lib/guard.js'
import { allowedInput } from '../lib/inputs.js'
import type { BackendName, BenchOptions } from '../lib/options.js'
import { fmt } from '../lib/report.js'
import { type LatencySummary, nowUs, round, summarise } from '../lib/stats.js'

export interface TracingResult {
  readonly backend: BackendName
  /** `tracing: false`: the path taken when `@opentelemetry/api` is not installed (no span built). */
  readonly off: LatencySummary
  /** The API installed, no tracer provider registered: the API's no-op spans. */
  readonly noProvider: LatencySummary
  /** A registered SDK provider (BatchSpanProcessor, an exporter that drops what it gets). */
  readonly sdk: LatencySummary
  /**
   * CPU time of this process per call (user + system), µs: unlike latency, not dominated by waiting
   * for the database commit, so the span work shows. PGlite's database work is in-process and counts.
   */
  readonly cpuUsPerCall: { readonly off: number; readonly noProvider: number; readonly sdk: number }
  readonly ratioNoProviderP50: number
  readonly ratioSdkP50: number
  readonly ratioSdkP99: number
  /** Spans the SDK exporter received: four per guarded call (tool, evaluate, two commits). */
  readonly spansExported: number
  readonly sdkCalls: number
}

/** An exporter that counts and drops spans: what is timed is Arbiter's span work, not a network. */
class CountingExporter implements SpanExporter {
  count = 0
  export(spans: ReadableSpan[], done: (result: { code: number }) => void): void {
    this.count += spans.length
    done({ code: 0 })
  }
  async shutdown(): Promise<void> {}
}

/** The tracer provider the `sdk` variant's guard is given, and its exporter. */
export function createBenchTracerProvider(): { provider: BasicTracerProvider; exporter: CountingExporter } {
  const exporter = new CountingExporter()
  return {
    exporter,
    provider: new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] }),
  }
}

/**
 * Item 7 (issue 14): what OpenTelemetry costs per guarded call (validate, decide, durable decision,
 * no-op tool, outcome) at concurrency 1: tracing off vs the API without a provider vs a registered
 * SDK provider, three guards on the same store, interleaved in blocks so drift hits all alike.
 */
export async function benchTracing(
  options: BenchOptions,
  guards: { off: BenchGuard; noProvider: BenchGuard; sdk: BenchGuard },
  flush: () => Promise<number>,
  backend: BackendName,
): Promise<TracingResult> {
  const input = allowedInput()
  const variants = ['off', 'noProvider', 'sdk'] as const
  for (const v of variants)
    for (let i = 0; i < Math.min(100, options.guardSamples); i++) await guards[v].call(input)
  const blocks = 10
  const perBlock = Math.ceil(options.guardSamples / blocks)
  const samples = { off: [] as number[], noProvider: [] as number[], sdk: [] as number[] }
  const cpu = { off: 0, noProvider: 0, sdk: 0 }
  for (let b = 0; b < blocks; b++)
    for (const v of variants) {
      const before = process.cpuUsage()
      for (let i = 0; i < perBlock; i++) {
        const t0 = nowUs()
        await guards[v].call(input)
        samples[v].push(nowUs() - t0)
      }
      const used = process.cpuUsage(before)
      cpu[v] += used.user + used.system
    }
  const perCall = (v: (typeof variants)[number]) => round(cpu[v] / (perBlock * blocks), 1)
  const [off, noProvider, sdk] = variants.map((v) => summarise(Float64Array.from(samples[v])))
  const sdkCalls = perBlock * blocks + Math.min(100, options.guardSamples)
  return {
    backend,
    off: off!,
    noProvider: noProvider!,
    sdk: sdk!,
    cpuUsPerCall: { off: perCall('off'), noProvider: perCall('noProvider'), sdk: perCall('sdk') },
    ratioNoProviderP50: round(noProvider!.p50Us / off!.p50Us, 3),
    ratioSdkP50: round(sdk!.p50Us / off!.p50Us, 3),
    ratioSdkP99: round(sdk!.p99Us / off!.p99Us, 3),
    spansExported: await flush(),
    sdkCalls,
  }
}

/** The section's lines in the report. */
export function renderTracing(results: readonly TracingResult[]): string[] {
  const lines = ['', '9. OpenTelemetry cost per guarded call (issue 14), concurrency 1, interleaved']
  for (const t of results) {
    lines.push(
      `   ${t.backend}: p50 / p99 µs  off ${fmt(t.off.p50Us)} / ${fmt(t.off.p99Us)}  |  API, no provider ${fmt(t.noProvider.p50Us)} / ${fmt(t.noProvider.p99Us)}  |  SDK provider ${fmt(t.sdk.p50Us)} / ${fmt(t.sdk.p99Us)}`,
    )
    lines.push(
      `     CPU µs per call: off ${fmt(t.cpuUsPerCall.off)}, API no provider ${fmt(t.cpuUsPerCall.noProvider)}, SDK provider ${fmt(t.cpuUsPerCall.sdk)}`,
    )
    lines.push(
      `     ratio to off (p50): no provider ${fmt(t.ratioNoProviderP50, 3)}×, SDK ${fmt(t.ratioSdkP50, 3)}× (p99 ${fmt(t.ratioSdkP99, 3)}×); spans exported ${fmt(t.spansExported)} for ${fmt(t.sdkCalls)} calls`,
    )
  }
  return lines
}
