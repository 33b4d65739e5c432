// Runs the CLI from source (what bin/arbiter.js runs from dist/) so the CLI tests need no build step.
import { runCli } from '../../src/cli/main.js'

await runCli(process.argv)
