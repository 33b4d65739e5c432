import { type LoadedPolicy, loadPolicy } from '@open-policy-agent/opa-wasm'
import { describeError } from '../shared/index.js'
import { PolicyError } from './errors.js'
import { DECISION_ENTRYPOINT, EVALUATION_ENTRYPOINTS } from './manifest.js'

/**
 * Builtins the JavaScript host of @open-policy-agent/opa-wasm 1.10 implements (src/builtins/*.js).
 * Every other builtin a policy uses must be compiled into the WASM by OPA itself; a bundle that asks the
 * host for anything else would throw at evaluation time, so it is refused at load time instead.
 */
export const HOST_BUILTINS: ReadonlySet<string> = new Set([
  'json.is_valid',
  'sprintf',
  'regex.split',
  'yaml.is_valid',
  'yaml.marshal',
  'yaml.unmarshal',
])

/** Default cap on one policy instance's WebAssembly memory. */
export const DEFAULT_MAX_MEMORY_MIB = 128

const PAGE_BYTES = 64 * 1024

/**
 * One instantiated `policy.wasm` with its `data.json` loaded: JSON bytes in, result-set JSON bytes out.
 * Not thread-safe and not re-entrant (one evaluation at a time, like the WASM instance itself).
 */
export interface WasmPolicy {
  /**
   * Evaluates the UTF-8 JSON `input` at an entry point (`EVALUATION_ENTRYPOINTS[entrypoint]`, default
   * 0: `arbiter/decision`) and returns the result set (`[{"result": …}]`) as UTF-8 JSON: a view into
   * WASM memory, valid until the next call. Throws what opa-wasm throws (plain strings for aborts and
   * halting errors, a RangeError when the memory cap is reached), and an Error for an entry point the
   * bundle does not have.
   */
  evaluate(input: Uint8Array, entrypoint?: number): Uint8Array
  /** Current size of the WASM linear memory, bytes (it never shrinks). */
  memoryBytes(): number
}

interface WasmExports {
  builtins(): number
  opa_json_dump(addr: number): number
  opa_eval(
    reserved: number,
    entrypoint: number,
    data: number,
    input: number,
    inputLength: number,
    heap: number,
    format: number,
  ): number
}

function exportsOf(policy: LoadedPolicy): WasmExports {
  return (policy.wasmInstance as unknown as { exports: WasmExports }).exports
}

/**
 * A compiled `WebAssembly.Module`, opaque here (the ES2023 lib has no WebAssembly typings). Compiled
 * once per bundle and shared with every worker thread, which only instantiates it.
 */
export interface CompiledWasm {
  readonly [compiledWasm]: true
}
declare const compiledWasm: unique symbol

/**
 * Compiles `policy.wasm` (off the main thread's critical path: V8 compiles in the background).
 *
 * @throws {PolicyError} POLICY_WASM_INVALID when the bytes are not a valid module.
 * @example
 * const module = await compileWasm(contents.wasm)
 */
export async function compileWasm(bytes: Uint8Array): Promise<CompiledWasm> {
  const api = (globalThis as unknown as { WebAssembly: { compile(b: Uint8Array): Promise<CompiledWasm> } })
    .WebAssembly
  try {
    return await api.compile(bytes)
  } catch (error) {
    throw new PolicyError('POLICY_WASM_INVALID', `policy.wasm failed to load: ${describeError(error)}`, {
      cause: error,
    })
  }
}

/** Reads the `builtins` export: the builtins this WASM expects the host to provide. */
function hostBuiltinsRequired(policy: LoadedPolicy): string[] {
  const exports = exportsOf(policy)
  const addr = exports.opa_json_dump(exports.builtins())
  const bytes = new Uint8Array(policy.mem.buffer)
  const end = bytes.indexOf(0, addr)
  const json = JSON.parse(new TextDecoder().decode(bytes.subarray(addr, end))) as Record<string, number>
  return Object.keys(json)
}

/**
 * Instantiates a bundle's `policy.wasm` (bytes, or a module compiled once and shared between worker
 * threads) with its memory capped at `maxMemoryMiB`, loads `data` (UTF-8 JSON of `data.json`) and
 * checks the entry point and the host builtins it needs.
 *
 * @throws {PolicyError} POLICY_WASM_INVALID when the module does not instantiate, lacks the entry point
 *   or refuses the data; POLICY_UNSUPPORTED_BUILTIN when it needs a builtin the JavaScript host lacks.
 * @example
 * const policy = await instantiateWasmPolicy(contents.wasm, dataBytes, { maxMemoryMiB: 128 })
 * const resultSet = JSON.parse(new TextDecoder().decode(policy.evaluate(inputBytes)))
 */
export async function instantiateWasmPolicy(
  wasm: Uint8Array | CompiledWasm,
  data: Uint8Array,
  options: { maxMemoryMiB?: number } = {},
): Promise<WasmPolicy> {
  const maximum = Math.ceil(((options.maxMemoryMiB ?? DEFAULT_MAX_MEMORY_MIB) * 1024 * 1024) / PAGE_BYTES)
  let policy: LoadedPolicy
  try {
    // A capped memory turns a policy (or input) that allocates without bound into an evaluation
    // error instead of a process that grows to gigabytes.
    policy = await loadPolicy(wasm as Parameters<typeof loadPolicy>[0], {
      initial: Math.min(5, maximum),
      maximum,
    })
  } catch (error) {
    throw new PolicyError('POLICY_WASM_INVALID', `policy.wasm failed to load: ${describeError(error)}`, {
      cause: error,
    })
  }
  const unsupported = hostBuiltinsRequired(policy).filter((name) => !HOST_BUILTINS.has(name))
  if (unsupported.length > 0)
    throw new PolicyError(
      'POLICY_UNSUPPORTED_BUILTIN',
      `policy uses builtins opa-wasm cannot run: ${unsupported.sort().join(', ')}`,
    )
  const available = policy.entrypoints as Record<string, number>
  if (available[DECISION_ENTRYPOINT] === undefined)
    throw new PolicyError('POLICY_WASM_INVALID', `policy.wasm has no ${DECISION_ENTRYPOINT} entry point`)
  // Worker-side ids of EVALUATION_ENTRYPOINTS, by index; undefined where the bundle lacks one.
  const ids = EVALUATION_ENTRYPOINTS.map((name) => available[name])
  try {
    // An ArrayBuffer is taken as JSON text by opa-wasm (anything else would be stringified).
    policy.setData(data.slice().buffer)
  } catch (error) {
    throw new PolicyError('POLICY_WASM_INVALID', `data.json was refused: ${describeError(error)}`, {
      cause: error,
    })
  }
  const idOf = (index = 0): number => {
    const id = ids[index]
    if (id === undefined)
      throw new Error(`policy bundle has no ${EVALUATION_ENTRYPOINTS[index] ?? `#${index}`} entry point`)
    return id
  }
  return Number(policy.minorVersion) >= 2 ? directEvaluation(policy, idOf) : viaHost(policy, idOf)
}

/**
 * ABI 1.2 single-call evaluation (what opa-wasm's own `evaluate` does), minus its JSON.parse of the
 * result: callers on another thread want the bytes, and parsing them twice would cost more than the
 * thread hop.
 */
function directEvaluation(policy: LoadedPolicy, idOf: (index?: number) => number): WasmPolicy {
  const exports = exportsOf(policy)
  const memory = policy.mem
  return {
    evaluate(input, index) {
      const entrypoint = idOf(index)
      const inputAddr = policy.dataHeapPtr as number
      const missing = inputAddr + input.byteLength - memory.buffer.byteLength
      if (missing > 0) memory.grow(Math.ceil(missing / PAGE_BYTES))
      new Uint8Array(memory.buffer).set(input, inputAddr)
      const heap = inputAddr + input.byteLength
      const result = exports.opa_eval(0, entrypoint, policy.dataAddr, inputAddr, input.byteLength, heap, 0)
      // The memory may have grown during evaluation: take a fresh view.
      const bytes = new Uint8Array(memory.buffer)
      return bytes.subarray(result, bytes.indexOf(0, result))
    },
    memoryBytes: () => memory.buffer.byteLength,
  }
}

/** Older ABIs: opa-wasm's own evaluate, re-serialised. */
function viaHost(policy: LoadedPolicy, idOf: (index?: number) => number): WasmPolicy {
  const encoder = new TextEncoder()
  return {
    evaluate: (input, index) =>
      encoder.encode(JSON.stringify(policy.evaluate(input.slice().buffer, idOf(index)))),
    memoryBytes: () => policy.mem.buffer.byteLength,
  }
}
