// OpenTelemetry spans for guarded calls, following the GenAI semantic conventions for tool execution.
// `@opentelemetry/api` is an optional peer dependency: it is imported once, lazily, and when it is
// missing (or tracing is switched off) every call takes the `NO_SPAN` path, which does nothing.
//
// What goes into a span is a closed list: tool name, call id, decision id and action, rule ids,
// bundle revision, ledger position, error codes. Never tool arguments, reason messages, identities or
// error messages (they may quote arguments): a trace backend is not an audit store.
import type * as OtelApi from '@opentelemetry/api'
import type { Decision, ToolCallInput } from '../policy/index.js'
import { ArbiterError } from '../shared/index.js'
import { ToolDeniedError } from './errors.js'

/**
 * Where the guard's spans go: an OpenTelemetry `TracerProvider` (structurally, so Arbiter's types do
 * not need `@opentelemetry/api` installed). Default: the global provider of `@opentelemetry/api`.
 */
export interface TracerProviderLike {
  getTracer(name: string, version?: string): unknown
}

/** `GuardOptions.tracing`: `false` switches spans off; `tracerProvider` overrides the global one. */
export type TracingOption = false | { readonly tracerProvider?: TracerProviderLike }

/**
 * The attribute names Arbiter sets on its spans (GenAI semantic conventions plus `arbiter.*`), for
 * queries and span processors.
 *
 * @example
 * const denied = exporter.getFinishedSpans().filter((s) => s.attributes[SPAN_ATTRIBUTES.action] === 'deny')
 */
export const SPAN_ATTRIBUTES = {
  operation: 'gen_ai.operation.name',
  toolName: 'gen_ai.tool.name',
  toolCallId: 'gen_ai.tool.call.id',
  toolType: 'gen_ai.tool.type',
  errorType: 'error.type',
  action: 'arbiter.decision.action',
  decisionId: 'arbiter.decision.id',
  ruleIds: 'arbiter.rule_ids',
  revision: 'arbiter.bundle.revision',
  bundleSha256: 'arbiter.bundle.sha256',
  chain: 'arbiter.ledger.chain',
  seq: 'arbiter.ledger.seq',
  entryType: 'arbiter.ledger.entry_type',
  verdict: 'arbiter.verdict',
} as const

const TRACER_NAME = 'arbiter'
const TRACER_VERSION = '0.1.0'
/** The framework's call id is foreign text; bounded like every other identifier the guard keeps. */
const MAX_CALL_ID = 256

type Api = typeof OtelApi
let api: Api | null | undefined
let loading: Promise<Api | null> | undefined

/** Imports `@opentelemetry/api` once per process; `null` when it is not installed. */
function loadApi(): Promise<Api | null> {
  loading ??= import('@opentelemetry/api').then(
    (module) => {
      api = module
      return module
    },
    () => {
      api = null
      return null
    },
  )
  return loading
}

/** One guarded call's `execute_tool` span, or nothing (`NO_SPAN`) when tracing is off. */
export interface CallSpan {
  /** The validated call: span name `execute_tool <name>` and the tool attributes. */
  named(input: ToolCallInput): void
  /** Bundle revision and the decision's action, rules and id, as recorded. */
  decided(decisionId: string, decision: Decision, revision: string): void
  /** Where the decision entry was committed. */
  committed(chain: string, seq: number): void
  /** The settled verdict after approvals (`allow` / `deny`). */
  settled(verdict: 'allow' | 'deny'): void
  /** Runs `fn` in a child span (`arbiter.policy.evaluate`, `arbiter.ledger.commit`...). */
  child<T>(name: string, fn: (set: (key: string, value: string | number) => void) => Promise<T>): Promise<T>
  /** Runs the tool with this span as the active context (its own spans become children). */
  activate<T>(fn: () => T): T
}

const ignore = () => undefined
const NO_SPAN: CallSpan = {
  named: ignore,
  decided: ignore,
  committed: ignore,
  settled: ignore,
  child: (_name, fn) => fn(ignore),
  activate: (fn) => fn(),
}

function inContextOf(otel: Api, span: OtelApi.Span): CallSpan['activate'] {
  return (fn) => otel.context.with(otel.trace.setSpan(otel.context.active(), span), fn)
}

/** A low-cardinality error identifier: the typed error's `code`, else the class name (semconv). */
function errorType(error: unknown): string {
  if (error instanceof ArbiterError) return error.code
  // A tool's error is the tool's (or its input's) making: only an identifier-like class name is kept.
  if (error instanceof Error && /^[A-Za-z_$][\w$]{0,63}$/.test(error.name)) return error.name
  return '_OTHER'
}

function fail(otel: Api, span: OtelApi.Span, error: unknown): void {
  const type = errorType(error)
  span.setAttribute(SPAN_ATTRIBUTES.errorType, type)
  // The description is the code only: error messages may quote tool arguments.
  span.setStatus({ code: otel.SpanStatusCode.ERROR, message: type })
}

function toCallSpan(otel: Api, tracer: OtelApi.Tracer, span: OtelApi.Span): CallSpan {
  const ctx = otel.trace.setSpan(otel.context.active(), span)
  return {
    named(input) {
      span.updateName(`execute_tool ${input.tool.name}`)
      span.setAttribute(SPAN_ATTRIBUTES.toolName, input.tool.name)
      // semconv: `function` runs in the client's code, `extension` calls out (runtime built-ins, MCP).
      const external = input.tool.kind === 'mcp' || input.tool.kind === 'builtin'
      span.setAttribute(SPAN_ATTRIBUTES.toolType, external ? 'extension' : 'function')
    },
    decided(decisionId, decision, revision) {
      span.setAttributes({
        [SPAN_ATTRIBUTES.decisionId]: decisionId,
        [SPAN_ATTRIBUTES.action]: decision.action,
        [SPAN_ATTRIBUTES.ruleIds]: decision.reasons.map((r) => r.rule),
        [SPAN_ATTRIBUTES.revision]: revision,
      })
    },
    committed(chain, seq) {
      span.setAttributes({ [SPAN_ATTRIBUTES.chain]: chain, [SPAN_ATTRIBUTES.seq]: seq })
    },
    settled(verdict) {
      span.setAttribute(SPAN_ATTRIBUTES.verdict, verdict)
    },
    async child(name, fn) {
      const inner = tracer.startSpan(name, { kind: otel.SpanKind.INTERNAL }, ctx)
      try {
        return await fn((key, value) => inner.setAttribute(key, value))
      } catch (error) {
        fail(otel, inner, error)
        throw error
      } finally {
        inner.end()
      }
    },
    activate: (fn) => otel.context.with(ctx, fn),
  }
}

/** Starts and ends the spans of guarded calls; built once per guard. @internal */
export interface GuardTracing {
  /**
   * Runs one guarded operation inside an `execute_tool` span (or none when tracing is off). A thrown
   * error marks the span with `error.type`, except TOOL_DENIED: a deny is an answer, not a failure.
   */
  run<T>(callId: string | undefined, fn: (span: CallSpan) => Promise<T>): Promise<T>
}

/**
 * Builds the guard's tracing from `GuardOptions.tracing`.
 * @internal
 */
export function createGuardTracing(option: TracingOption | undefined): GuardTracing {
  if (option === false) return { run: (_callId, fn) => fn(NO_SPAN) }
  let tracer: OtelApi.Tracer | undefined
  const tracerOf = (otel: Api): OtelApi.Tracer => {
    tracer ??= option?.tracerProvider
      ? (option.tracerProvider.getTracer(TRACER_NAME, TRACER_VERSION) as OtelApi.Tracer)
      : otel.trace.getTracer(TRACER_NAME, TRACER_VERSION)
    return tracer
  }
  void loadApi()
  return {
    async run(callId, fn) {
      const otel = api === undefined ? await loadApi() : api
      if (!otel) return fn(NO_SPAN)
      const span = tracerOf(otel).startSpan('execute_tool', {
        kind: otel.SpanKind.INTERNAL,
        attributes: {
          [SPAN_ATTRIBUTES.operation]: 'execute_tool',
          ...(callId ? { [SPAN_ATTRIBUTES.toolCallId]: callId.slice(0, MAX_CALL_ID) } : {}),
        },
      })
      // A provider that samples this call out (or none registered): skip attributes nobody keeps, but
      // keep the span as the tool's context so the sampling decision carries to the tool's own spans.
      const handle = span.isRecording()
        ? toCallSpan(otel, tracerOf(otel), span)
        : { ...NO_SPAN, activate: inContextOf(otel, span) }
      try {
        return await fn(handle)
      } catch (error) {
        // A deny is the policy's answer (`arbiter.decision.action`), the same in every runtime whether
        // it returns (check) or throws (execute); `error.type` is for calls that failed.
        if (!(error instanceof ToolDeniedError)) fail(otel, span, error)
        throw error
      } finally {
        span.end()
      }
    },
  }
}
