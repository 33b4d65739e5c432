import { ArbiterError } from '../shared/index.js'

export type ConfigErrorCode = 'CONFIG_INVALID'

/** A configuration value (environment variable, flag or override) that cannot be used. */
export class ConfigError extends ArbiterError<ConfigErrorCode> {}
