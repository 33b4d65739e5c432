import { type Logger, pino } from 'pino'

export type { Logger }

/**
 * Creates the process logger: JSON lines on stderr (stdout stays free for command output).
 * Secrets never go through it; redact paths guard against accidents.
 *
 * @example
 * const log = createLogger({ level: 'info' })
 * log.info({ revision }, 'policy bundle loaded')
 */
export function createLogger(options: { level?: string; name?: string } = {}): Logger {
  return pino(
    {
      name: options.name ?? 'arbiter',
      level: options.level ?? process.env.ARBITER_LOG_LEVEL ?? 'info',
      redact: {
        paths: ['*.authorization', '*.apiKey', '*.password', '*.signingKey', '*.redactionKey'],
        censor: '[redacted]',
      },
    },
    pino.destination(2),
  )
}

/** A logger that drops everything; for tests and library users who bring no logger. */
export const silentLogger: Logger = pino({ level: 'silent' })
