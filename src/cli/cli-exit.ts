/**
 * Thrown by commands for an expected failure: printed as one line, exit code as given. Its own module
 * so the commands and `main.ts` (which loads the commands) do not import each other.
 */
export class CliExit extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message)
  }
}
