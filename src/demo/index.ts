export { type DemoServer, serveDemo, startDemoServer } from './demo-server.js'
export { type DemoSessionsResult, runDemoSessions } from './run-demo.js'
export {
  type MessagesRequest,
  type ScriptedToolUse,
  type ScriptedTurn,
  type SessionStep,
  type StandInServer,
  startStandInServer,
  step,
  type TurnScript,
} from './stand-in/index.js'
