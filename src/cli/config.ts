import type { Command } from 'commander'
import { type ArbiterConfig, type ConfigDefaults, loadConfig } from '../app/index.js'
import { DEFAULT_DATA_DIR } from '../ledger/index.js'

/** `--database-url` and `--data-dir`, which every command that opens the database accepts. */
export interface DatabaseFlags {
  readonly databaseUrl?: string
  readonly dataDir?: string
}

/** Every flag that overrides a configuration value. */
export interface ConfigFlags extends DatabaseFlags {
  readonly anchorDir?: string
  readonly bundle?: string
  readonly shadowBundle?: string
  /** `arbiter serve --witness-url <url>=<vkey>` (repeatable). */
  readonly witnessUrl?: string[]
}

/**
 * Adds `--database-url` and `--data-dir` to a command.
 *
 * @example
 * addDatabaseOptions(program.command('migrate')).action(async (flags) => configFromFlags(flags))
 */
export function addDatabaseOptions(command: Command): Command {
  return command
    .option('--database-url <url>', 'PostgreSQL URL (env DATABASE_URL); default: embedded PGlite')
    .option(
      '--data-dir <dir>',
      `embedded database and key directory (env ARBITER_DATA_DIR; default ${DEFAULT_DATA_DIR})`,
    )
}

/**
 * The configuration a command runs with: `loadConfig` (the same function an embedding application
 * calls) with the command's flags over the environment.
 *
 * @throws {ConfigError} CONFIG_INVALID
 * @example
 * const config = configFromFlags(flags)
 * const handle = await openDatabase(config)
 */
export function configFromFlags(flags: ConfigFlags, defaults?: ConfigDefaults): ArbiterConfig {
  return loadConfig(
    {
      databaseUrl: flags.databaseUrl,
      dataDir: flags.dataDir,
      anchorDir: flags.anchorDir,
      bundlePath: flags.bundle,
      shadowBundlePath: flags.shadowBundle,
      ...(flags.witnessUrl ? { witnessUrls: flags.witnessUrl } : {}),
    },
    defaults ? { defaults } : {},
  )
}
