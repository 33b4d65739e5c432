import { type DestinationStream, type Logger, pino } from 'pino'

export type { Logger }

const levelNames: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
}
const envelope = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg'])

/**
 * One readable line per record for a person at a terminal: `arbiter warn: <msg> (key=value …)`.
 * Machines get pino's JSON lines (the default when stderr is not a TTY).
 */
function humanDestination(): DestinationStream {
  return {
    write(line: string) {
      let record: Record<string, unknown>
      try {
        record = JSON.parse(line) as Record<string, unknown>
      } catch {
        process.stderr.write(line)
        return
      }
      const extra = Object.entries(record)
        .filter(([key]) => !envelope.has(key))
        .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
      const level = levelNames[Number(record.level)] ?? String(record.level)
      process.stderr.write(
        `${String(record.name ?? 'arbiter')} ${level}: ${String(record.msg ?? '')}${extra.length ? ` (${extra.join(', ')})` : ''}\n`,
      )
    },
  }
}

/**
 * Creates the process logger on stderr (stdout stays free for command output): JSON lines, or one
 * readable line per record when `human` is set (default: when stderr is a TTY). Secrets never go
 * through it; redact paths guard against accidents.
 *
 * @example
 * const log = createLogger({ level: 'info' })
 * log.info({ revision }, 'policy bundle loaded')
 */
export function createLogger(
  options: {
    level?: string
    name?: string
    human?: boolean
    /** Where JSON lines go instead of stderr (tests read what would be logged). */
    destination?: DestinationStream
  } = {},
): Logger {
  const human = options.human ?? process.stderr.isTTY === true
  return pino(
    {
      name: options.name ?? 'arbiter',
      level: options.level ?? process.env.ARBITER_LOG_LEVEL ?? 'info',
      redact: {
        paths: ['*.authorization', '*.apiKey', '*.password', '*.signingKey', '*.redactionKey'],
        censor: '[redacted]',
      },
    },
    options.destination ?? (human ? humanDestination() : pino.destination(2)),
  )
}

/** A logger that drops everything; for tests and library users who bring no logger. */
export const silentLogger: Logger = pino({ level: 'silent' })
