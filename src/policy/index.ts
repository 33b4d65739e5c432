// Front door of the policy module: bundle building (OPA toolchain), loading and evaluation.

export {
  type BudgetedEvaluator,
  createBudgetedEvaluator,
  DEFAULT_EVALUATION_TIMEOUT_MS,
  type EvaluationBudget,
  resolveBudget,
} from './budgeted-evaluator.js'
export {
  type BuildBundleOptions,
  type BuiltBundle,
  buildBundle,
  DEFAULT_BUNDLE_PATH,
  DEFAULT_POLICIES_DIR,
  SAMPLE_BUNDLE_PATH,
} from './bundle-builder.js'
export { type BundleContents, MAX_BUNDLE_BYTES, parseBundle, readBundle } from './bundle-loader.js'
export { type CandidatePolicyEngine, loadCandidatePolicyEngine } from './candidate-engine.js'
export {
  type LoadPolicyEngineOptions,
  loadPolicyEngine,
  type ReloadablePolicyEngine,
  type ReloadEvent,
} from './engine.js'
export { PolicyError, type PolicyErrorCode } from './errors.js'
export { parseToolCallInput } from './evaluation-input.js'
export { createEvaluator, type Evaluator } from './evaluator.js'
export {
  type BundleManifest,
  bundleManifestSchema,
  DECISION_ENTRYPOINT,
  SCAN_ENTRYPOINT,
} from './manifest.js'
export { arbiterRoot, isCheckout, pinnedOpaPath, resolveOpaBinary } from './opa-toolchain.js'
export {
  ARBITER_RULES,
  type BundleInfo,
  type Decision,
  type DecisionAction,
  decisionActionSchema,
  decisionSchema,
  type PolicyEngine,
  type PolicyEvaluation,
  type Reason,
  reasonSchema,
  type TextFinding,
  type ToolCallInput,
  toolCallInputSchema,
} from './policy.types.js'
export { type PolicyCheckStep, type PolicyTestReport, testPolicies } from './policy-tester.js'
export { computePolicyRevision, treeHash } from './revision.js'
export { DEFAULT_MAX_MEMORY_MIB, HOST_BUILTINS } from './wasm-policy.js'
