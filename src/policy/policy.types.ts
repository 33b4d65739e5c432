import { z } from 'zod'

/** JSON object: what tool arguments and free context must be (not an array, not a scalar). */
const jsonObject = z.record(z.string(), z.unknown())

/**
 * The input document every policy sees (`input` in Rego). Names are a public contract.
 * `runtime` is what the vendor runtime itself decided, when known. `context.time` is set by
 * Arbiter at evaluation time (callers' values are overwritten) so decisions are reproducible.
 */
export const toolCallInputSchema = z
  .object({
    tool: z
      .object({
        name: z.string().min(1).max(256),
        kind: z.enum(['client', 'builtin', 'mcp', 'custom']),
        server: z.string().min(1).max(256).optional(),
      })
      .strict(),
    arguments: jsonObject,
    agent: z
      .object({
        id: z.string().min(1).max(256),
        runtime: z.string().min(1).max(128),
        model: z.string().max(128).optional(),
      })
      .strict(),
    principal: z
      .object({
        id: z.string().min(1).max(256),
        roles: z.array(z.string().min(1).max(128)).max(64),
        tenant: z.string().min(1).max(256).optional(),
      })
      .strict(),
    session: z.object({ id: z.string().min(1).max(256), thread: z.string().max(256).optional() }).strict(),
    runtime: z
      .object({ decision: z.enum(['allow', 'ask', 'deny']), policy: z.string().max(128).optional() })
      .strict()
      .optional(),
    context: jsonObject.optional(),
  })
  .strict()

/** A proposed tool call, as validated by {@link toolCallInputSchema}. */
export type ToolCallInput = z.infer<typeof toolCallInputSchema>

export const decisionActionSchema = z.enum(['allow', 'deny', 'require_approval'])
export type DecisionAction = z.infer<typeof decisionActionSchema>

export const reasonSchema = z.object({ rule: z.string().min(1), message: z.string() }).strict()
/** Why a rule fired: a stable rule id (`fintech.transfer_limit`) and a message for humans and models. */
export type Reason = z.infer<typeof reasonSchema>

/** JSON Pointer (RFC 6901) into `arguments`, e.g. `/account_number`. */
const jsonPointer = z.string().regex(/^(\/([^~/]|~[01])*)*$/, 'must be a JSON pointer')

/** JSON Pointer (RFC 6901) into the whole input, below its root, e.g. `/context/note`, `/principal/id`. */
const inputPointer = z.string().regex(/^(\/([^~/]|~[01])*)+$/, 'must be a JSON pointer below the input root')

/** The policy's answer, from the OPA entry point `arbiter/decision`. Names are a public contract. */
export const decisionSchema = z
  .object({
    action: decisionActionSchema,
    reasons: z.array(reasonSchema),
    /** Pointers into `arguments` whose values the ledger must not hold (stored as HMAC markers). */
    redact: z.array(jsonPointer).optional(),
    /**
     * Pointers into the whole input (`/context/…`, `/principal/id`, `/arguments/…`) the ledger must
     * not hold either: free-form members (`arguments`, `context`) get HMAC markers, identity strings
     * become `[redacted]`. Optional, so policies written before it keep working.
     */
    redact_input: z.array(inputPointer).optional(),
    approval: z
      .object({ roles: z.array(z.string().min(1)).min(1), count: z.number().int().min(1).max(10) })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((d, ctx) => {
    if (d.action !== 'allow' && d.reasons.length === 0)
      ctx.addIssue({ code: 'custom', message: `a ${d.action} decision must carry at least one reason` })
    if (d.action === 'require_approval' && !d.approval)
      ctx.addIssue({
        code: 'custom',
        message: 'a require_approval decision must name approval roles and count',
      })
  })

export type Decision = z.infer<typeof decisionSchema>

/** Identifies the policy bundle a decision came from; stamped on every ledger decision entry. */
export interface BundleInfo {
  /** `.manifest` revision: git commit, plus `+dirty.<hash>` when the tree had changes. */
  readonly revision: string
  /** Lowercase hex SHA-256 of the bundle tar.gz bytes. */
  readonly sha256: string
  /** When this process loaded it. */
  readonly loadedAt: Date
}

/** The result of one evaluation: the decision plus what produced it. */
export interface PolicyEvaluation {
  readonly decision: Decision
  /** The validated input as evaluated (with `context.time` set), or null when the input was invalid. */
  readonly input: ToolCallInput | null
  readonly bundle: BundleInfo
  /** Wall time of validation + evaluation, microseconds. */
  readonly durationUs: number
}

/** A substring of a free text that the policy's detectors flag (see `arbiter/scan`). */
export interface TextFinding {
  /** Index of the text in the scanned list. */
  readonly text: number
  /** The flagged substring, exactly as it occurs in the text. */
  readonly match: string
  /** Name of the detector (pattern) that flagged it, e.g. `US social security number`. */
  readonly detector: string
}

/**
 * Evaluates tool calls against the loaded bundle. Never rejects for bad input, a failing policy or
 * one that overruns its deadline: those become deny decisions with rule `arbiter.invalid_input` /
 * `arbiter.policy_error`.
 */
export interface PolicyEngine {
  evaluate(input: unknown): Promise<PolicyEvaluation>
  /**
   * Applies the bundle's detectors (entry point `arbiter/scan`) to free texts that never went through
   * a decision (tool errors, approval comments) and returns every flagged substring. Runs in the
   * evaluation workers under the same deadline as decisions.
   * @throws {PolicyError} POLICY_SCAN_FAILED when the bundle has no `arbiter/scan`, it fails or times out.
   */
  scanTexts(texts: readonly string[]): Promise<readonly TextFinding[]>
  /**
   * Whether a tool is shown to a caller (the MCP gateway's `tools/list`): the bundle's optional
   * `arbiter/visible` entry point on the call minus `arguments` ({@link VisibilityInput}). True for every
   * tool when the bundle has no such rule; only a result of exactly `true` shows a tool.
   * @throws {PolicyError} POLICY_VISIBILITY_FAILED for an invalid input, an evaluation error or timeout.
   */
  isToolVisible(input: unknown): Promise<boolean>
  readonly bundle: BundleInfo
  close(): Promise<void>
}

/** Rule ids Arbiter itself uses (not from Rego). */
export const ARBITER_RULES = {
  invalidInput: 'arbiter.invalid_input',
  policyError: 'arbiter.policy_error',
} as const
