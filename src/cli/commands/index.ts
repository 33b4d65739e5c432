import type { Command } from 'commander'
import { registerCheckpoint } from './checkpoint.js'
import { registerDecide } from './decide.js'
import { registerDemo } from './demo.js'
import { registerExport } from './export.js'
import { registerKeys } from './keys.js'
import { registerMigrate } from './migrate.js'
import { registerOutcomes } from './outcomes.js'
import { registerPolicy } from './policy.js'
import { registerServe } from './serve.js'
import { registerVerify } from './verify.js'

/** Every `arbiter` sub-command, one module each; add new ones here. */
export function registerCommands(program: Command): void {
  registerPolicy(program)
  registerDecide(program)
  registerMigrate(program)
  registerVerify(program)
  registerCheckpoint(program)
  registerExport(program)
  registerOutcomes(program)
  registerDemo(program)
  registerServe(program)
  registerKeys(program)
}
