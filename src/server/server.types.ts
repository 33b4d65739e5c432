import type {
  BundleArchive,
  Ledger,
  LedgerQueries,
  MerkleTreeReader,
  Overview,
  OverviewFilter,
  RolloutFilter,
  RolloutReport,
  VerifiableLedger,
} from '../ledger/index.js'
import type { Clock, Logger } from '../shared/index.js'
import type { ApiKeyStore } from './auth/api-key-store.js'
import type { ServerMetrics } from './metrics.js'
import type { SidecarGuard } from './sidecar-decisions.js'
import type { VerificationLog } from './verification-log.js'

/** What one verification of one chain found (the composition root adapts the ledger's verifier). */
export interface ChainVerification {
  readonly ok: boolean
  readonly entries: number
  readonly head: { readonly seq: number; readonly hash: string } | null
  readonly errorCode: string | null
  readonly message: string
}

/**
 * The guard as the server uses it: decide-and-record for the sidecar decision API, outcomes, and
 * the approval desk. A subset of `Guard`, so the composition root passes the real guard as it is.
 */
export type ServerGuard = SidecarGuard

/** The shadow bundle a server evaluates next to the live one, as the dashboards show it. */
export interface ShadowStatus {
  readonly configured: boolean
  readonly bundle: { readonly revision: string; readonly sha256: string } | null
  /** Why a configured candidate holds no bundle. */
  readonly error: string | null
}

/** Aggregations behind the dashboards (SQL over the ledger) and the shadow bundle in force. */
export interface InsightSources {
  rollout(filter: RolloutFilter): Promise<RolloutReport>
  overview(filter: OverviewFilter): Promise<Overview>
  /** Default: no shadow bundle configured. */
  shadow?(): ShadowStatus
}
/** The Merkle tree reads the proof and tlog routes need (the ledger's `MerkleTreeReader`). */
export type TreeDeps = Pick<MerkleTreeReader, 'inclusion' | 'consistency' | 'tile' | 'latestNote'>

/** Plain functions and objects the composition root (`arbiter serve`, `arbiter demo`) passes in. */
export interface ServerDeps {
  readonly guard: ServerGuard
  /** The ledger, for streaming exports (reads only: stored rows and checkpoints). */
  readonly ledger: Ledger & VerifiableLedger
  readonly queries: LedgerQueries
  /** The archive of loaded policy bundles (`GET /v1/bundles/…`); without it those routes answer 404. */
  readonly bundles?: Pick<BundleArchive, 'get' | 'getByRevision'>
  /** `GET /v1/rollout` and `GET /v1/overview`. */
  readonly insights: InsightSources
  readonly keys: Pick<ApiKeyStore, 'authenticate'>
  /** Runs a full verification of one chain. */
  readonly verify: (chain: string) => Promise<ChainVerification>
  /**
   * The chains `POST /v1/verify` covers: the database's, the anchor directory's and the expected ones
   * (so a deleted chain is reported, not skipped). Default: the chains with a head.
   */
  readonly verifiableChains?: () => Promise<string[]>
  readonly verifications: VerificationLog
  /** Merkle proofs and the C2SP tlog-tiles view; without it those routes answer 404. */
  readonly tree?: TreeDeps
  /**
   * `note` (the newest signed checkpoint of `chain`) with the witnesses' stored cosignatures appended,
   * for `GET /tlog/<chain>/checkpoint`; without it the log's signature alone is served.
   */
  readonly cosignedNote?: (chain: string, note: string) => Promise<string>
  readonly metrics: ServerMetrics
  /** Readiness probe: can the database answer, is a policy bundle loaded. */
  readonly ready: () => Promise<{ database: boolean; bundle: boolean }>
  readonly logger: Logger
  readonly clock: Clock
  readonly limits: ServerLimits
}

/**
 * Express's `trust proxy` setting: `false` (the default: `req.ip` is the socket's peer), `true` (trust
 * every hop: only behind a proxy that overwrites `X-Forwarded-For`), a hop count, or a comma-separated
 * list of addresses, CIDR ranges and the names `loopback`, `linklocal`, `uniquelocal`.
 */
export type TrustProxy = boolean | number | string

export interface ServerLimits {
  /** Largest accepted request body; checked before parsing. Default 256 kB. */
  readonly bodyBytes: number
  /**
   * Requests per API key per window (every request of the key counts), in this process. Default
   * 600,000 per minute (10,000/s): well above what one sidecar client reaches (BENCHMARKS.md, item 6).
   */
  readonly rateLimit: { readonly windowMs: number; readonly limit: number }
  /**
   * Failed sign-ins (missing, unknown or revoked key) per client address per window, in this process;
   * past it the address gets 429 for failed sign-ins only. Default 100 per minute.
   */
  readonly signInFailures: { readonly windowMs: number; readonly limit: number }
  /** How long a successful key lookup is reused: the bound on revocation taking effect. Default 5 s. */
  readonly keyCacheTtlMs: number
  /** Express `trust proxy`: which hops may set the client address through `X-Forwarded-For`. Default false. */
  readonly trustProxy: TrustProxy
  /** Upper bound of `?wait=` on GET /v1/decisions/{id}. Default 30 s. */
  readonly maxWaitSeconds: number
  /** How long an HTTP `require_approval` waits for approvers before it is denied. Default 5 min. */
  readonly approvalTimeoutMs: number
  /** How often the one approval poller of the process reads new approvals from the ledger. Default 500 ms. */
  readonly pollMs: number
}

export const defaultLimits: ServerLimits = {
  bodyBytes: 256 * 1024,
  rateLimit: { windowMs: 60_000, limit: 600_000 },
  signInFailures: { windowMs: 60_000, limit: 100 },
  keyCacheTtlMs: 5000,
  trustProxy: false,
  maxWaitSeconds: 30,
  approvalTimeoutMs: 5 * 60_000,
  pollMs: 500,
}
