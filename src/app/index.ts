// Front door of the composition root: configuration, keys, the wired Arbiter, and the HTTP server
// built on it. The CLI and embedding applications both start here.
export {
  type ComposedServer,
  type ComposeServerOptions,
  composeServer,
  type ServerParts,
} from './compose-server.js'
export {
  type Arbiter,
  type ArbiterGuardOptions,
  type CreateArbiterOptions,
  createArbiter,
} from './create-arbiter.js'
export { createCheckpointer } from './create-checkpointer.js'
export { ConfigError, type ConfigErrorCode } from './errors.js'
export { resolveRedactionKey, resolveSigningKey } from './keys.js'
export {
  type ArbiterConfig,
  CONFIG_ENV_VARS,
  type ConfigDefaults,
  type ConfigOverrides,
  type Env,
  LOG_LEVELS,
  type LogLevel,
  loadConfig,
} from './load-config.js'
export { createMcpKeyAuthorizer } from './mcp-key-authorizer.js'
export { verifyChainFor } from './verify-chain-for.js'
