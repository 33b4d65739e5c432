export { guardRunnableTool } from './runnable-tool.js'
export {
  type GuardedTool,
  type GuardedToolLoopOptions,
  type GuardedToolLoopResult,
  runGuardedToolLoop,
  type ToolCallReport,
  toText,
} from './tool-loop.js'
