export { contentText, routeEvent } from './events.js'
export { createSessionGuard, SessionGuardError, type SessionGuardErrorCode } from './session-guard.js'
export type {
  ConflictReport,
  SessionCustomTool,
  SessionDecisionReport,
  SessionGuard,
  SessionGuardOptions,
  SessionGuardSummary,
} from './session-guard.types.js'
