export type { MessagesRequest, ScriptedBlock, ScriptedTurn, TurnScript } from './messages.js'
export { type StandInServer, startStandInServer } from './server.js'
export type { SessionStart, StandInSession } from './session.js'
export { type ScriptedToolUse, type SessionStep, step } from './session-script.js'
