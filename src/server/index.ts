// Front door of the HTTP server: the composition root (cli) builds stores and passes them in.
export {
  ApiKeyError,
  type ApiKeyErrorCode,
  type ApiKeyInfo,
  type ApiKeyStore,
  type ApiPrincipal,
  createApiKeyStore,
  hashApiKey,
} from './auth/api-key-store.js'
export { bearerTokenOf } from './auth/authenticate.js'
export {
  type CachedKeyAuthenticator,
  createCachedKeyStore,
  type KeyAuthenticator,
  type KeyCacheOptions,
} from './auth/cached-key-store.js'
export {
  assertableRoles,
  type BoundCall,
  bindToolCall,
  type CallClaim,
  callerOf,
  type KeyBinding,
  resolveCallIdentity,
} from './auth/key-binding.js'
export { type ApiRole, apiRoleSchema, type Permission, permissionsByRole, roleAllows } from './auth/roles.js'
export { type ArbiterServer, createServer } from './create-server.js'
export { HttpError, type HttpErrorCode, statusByCode } from './http-errors.js'
export { createServerMetrics, type ServerMetrics } from './metrics.js'
export { buildOpenApiDocument } from './openapi.js'
export {
  type ChainVerification,
  defaultLimits,
  type InsightSources,
  type ServerDeps,
  type ServerGuard,
  type ServerLimits,
  type ShadowStatus,
  type TrustProxy,
} from './server.types.js'
export { parseTrustProxy } from './trust-proxy.js'
export { createVerificationLog, type VerificationLog, type VerificationRun } from './verification-log.js'
