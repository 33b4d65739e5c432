import { ArbiterError } from '../shared/index.js'

/** Stable codes for everything the policy module throws on purpose. */
export type PolicyErrorCode =
  /** The bundle file could not be read (missing, permissions, I/O error). */
  | 'POLICY_BUNDLE_UNREADABLE'
  /** The bundle is not a tar.gz with a valid `/.manifest`, `/policy.wasm` and `/data.json`. */
  | 'POLICY_BUNDLE_INVALID'
  /** `policy.wasm` did not instantiate, lacks the `arbiter/decision` entry point, or `data.json` was refused. */
  | 'POLICY_WASM_INVALID'
  /** The compiled policy calls a builtin the JavaScript OPA-WASM host does not implement. */
  | 'POLICY_UNSUPPORTED_BUILTIN'
  /** The pinned OPA CLI could not be found or built. */
  | 'POLICY_OPA_UNAVAILABLE'
  /** `opa build` failed (syntax or type errors in policies/). */
  | 'POLICY_BUILD_FAILED'
  /** The bundle has no `arbiter/scan` entry point, or scanning text with it failed. */
  | 'POLICY_SCAN_FAILED'
  /** Deciding a tool's visibility with the bundle's `arbiter/visible` failed, or its input was invalid. */
  | 'POLICY_VISIBILITY_FAILED'
  /** An evaluation budget option (deadline, workers, memory cap) is out of range. */
  | 'POLICY_BUDGET_INVALID'

/** A policy bundle, the OPA toolchain or the WASM runtime failed; `code` says which. */
export class PolicyError extends ArbiterError<PolicyErrorCode> {}
