import type { Approver, CallContext, Guard, Reason } from '../../guard/index.js'
import type { Logger } from '../../shared/index.js'

/** One tool call as a framework's approval hook and its execute hook both see it. */
export interface HeldCall {
  /** The framework's id of the call (Responses API `call_id`, AI SDK `toolCallId`). */
  readonly callId: string
  /** The tool's name in policy (`payments.transfer`). */
  readonly tool: string
  readonly kind?: 'client' | 'mcp' | 'custom'
  readonly server?: string
  /** Exactly what the model sent, after the framework's own parsing: attacker-controlled. */
  readonly arguments: unknown
  readonly context: CallContext
}

/** Where a call's human approval stands, read from the ledger. */
export type ApprovalState =
  | { readonly state: 'approved'; readonly decisionId: string }
  | { readonly state: 'pending'; readonly decisionId: string; readonly approvalId?: string }
  | { readonly state: 'denied'; readonly decisionId: string; readonly reasons: readonly Reason[] }
  /** No `require_approval` decision for this call (never seen, or policy did not ask for approval). */
  | { readonly state: 'none' }

/** What the execute hook got: the tool's result, or a text telling the model why it did not run. */
export type HeldRun<T> =
  | { readonly ran: true; readonly result: T }
  | { readonly ran: false; readonly decisionId?: string; readonly text: string }

export interface TwoPhaseOptions {
  readonly guard: Guard
  /** Prefix of the ledger `event_id` of each decision (`openai-agents`, `ai-sdk`). */
  readonly namespace: string
  /**
   * Secret shared by every instance of the application (for example the guard's redaction key).
   * With it, a decision is bound to its exact arguments by a keyed digest in its `event_id`, and an
   * approved call can be run by a different process than the one that asked (a resumed run, a
   * stateless HTTP handler). Without it, only the process that decided a call runs it.
   */
  readonly bindingKey?: string | Uint8Array
  readonly logger?: Pick<Logger, 'error' | 'warn'>
}

/** The guard split in the two places frameworks offer: "does this call need approval?" and "run it". */
export interface TwoPhaseGuard {
  /**
   * Phase 1 (the framework's approval hook): decides the call and records the decision. True when
   * policy requires approval: the framework must hold the call for a person. The approval request is
   * filed with the guard's approval desk. Asked again for the same call, answers from the same decision.
   * @throws {GuardError} when the decision cannot be evaluated or recorded (fail closed).
   */
  needsApproval(call: HeldCall): Promise<boolean>
  /**
   * Phase 2 (the framework's execute hook): runs `run` only if the decision allowed the call, or its
   * approval was granted in the ledger; records the outcome. Otherwise returns the reasons as text.
   */
  run<T>(call: HeldCall, run: () => T | Promise<T>): Promise<HeldRun<T>>
  /**
   * Records an approver's verdict on a held call through the guard's approval desk (four-eyes rules).
   * @throws {ApprovalError} APPROVAL_FORBIDDEN (self-approval, missing role, repeat), APPROVAL_CLOSED, APPROVAL_NOT_FOUND.
   */
  answer(
    call: HeldCall,
    verdict: 'approve' | 'deny',
    approver: Approver,
    comment?: string,
  ): Promise<ApprovalState>
  /** Where the call's approval stands; `denied` covers refusals and expiry (its `not_run` is recorded). */
  approvalState(call: HeldCall): Promise<ApprovalState>
}
