import { readFile } from 'node:fs/promises'
import { Parser, type ReadEntry } from 'tar'
import { sha256Hex } from '../shared/index.js'
import { PolicyError } from './errors.js'
import { type BundleManifest, bundleManifestSchema } from './manifest.js'

/** Bundles are small (policy.wasm is ~1 MB); anything far larger is refused before it fills memory. */
export const MAX_BUNDLE_BYTES = 64 * 1024 * 1024
const WANTED = new Set(['/policy.wasm', '/data.json', '/.manifest'])

/** The pieces of an OPA bundle Arbiter evaluates, read into memory and checked. */
export interface BundleContents {
  readonly manifest: BundleManifest
  readonly wasm: Uint8Array
  /** The parsed `/data.json` (always a JSON object). */
  readonly data: Record<string, unknown>
  /** Lowercase hex SHA-256 of the tar.gz bytes as read. */
  readonly sha256: string
}

function invalid(message: string, cause?: unknown): PolicyError {
  return new PolicyError('POLICY_BUNDLE_INVALID', `invalid policy bundle: ${message}`, { cause })
}

/** OPA writes `/policy.wasm`; other tools write `policy.wasm` or `./policy.wasm`. Treat them alike. */
function normalisePath(path: string): string {
  return `/${path.replace(/^(\.\/|\/)+/, '')}`
}

// The bundle is attacker-controlled bytes as far as this function knows (a file anyone with write
// access to the bundle path can replace): sizes are capped and every piece is validated.
async function untar(bytes: Uint8Array): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>()
  let total = 0
  await new Promise<void>((resolve, reject) => {
    const parser = new Parser({
      strict: true,
      onReadEntry: (entry: ReadEntry) => {
        const name = normalisePath(entry.path)
        if (entry.type !== 'File' || !WANTED.has(name)) {
          entry.resume()
          return
        }
        if (files.has(name)) {
          parser.abort(invalid(`duplicate entry ${name}`))
          return
        }
        const chunks: Buffer[] = []
        entry.on('data', (chunk: Buffer) => {
          total += chunk.length
          if (total > MAX_BUNDLE_BYTES) parser.abort(invalid(`contents exceed ${MAX_BUNDLE_BYTES} bytes`))
          else chunks.push(chunk)
        })
        entry.on('end', () => files.set(name, Buffer.concat(chunks)))
      },
    })
    parser.on('error', (error: unknown) => reject(error))
    parser.on('abort', (error: unknown) => reject(error))
    parser.on('close', () => resolve())
    parser.on('end', () => resolve())
    parser.end(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
  })
  return files
}

function parseJsonPiece(name: string, bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'))
  } catch (error) {
    throw invalid(`${name} is not valid JSON`, error)
  }
}

/**
 * Parses an OPA WASM bundle (tar.gz bytes) in memory: extracts `/.manifest`, `/policy.wasm` and
 * `/data.json`, validates the manifest (revision, `arbiter/decision` entry point) and hashes the bytes.
 *
 * @throws {PolicyError} POLICY_BUNDLE_INVALID when the archive is corrupt or a piece is missing or malformed.
 * @example
 * const contents = await parseBundle(await readFile('build/bundle.tar.gz'))
 * contents.manifest.revision // 'a1b2c3…'
 */
export async function parseBundle(bytes: Uint8Array): Promise<BundleContents> {
  if (bytes.byteLength === 0) throw invalid('file is empty')
  if (bytes.byteLength > MAX_BUNDLE_BYTES) throw invalid(`file exceeds ${MAX_BUNDLE_BYTES} bytes`)
  const sha256 = sha256Hex(bytes)
  let files: Map<string, Buffer>
  try {
    files = await untar(bytes)
  } catch (error) {
    if (error instanceof PolicyError) throw error
    throw invalid(
      `not a readable tar.gz archive (${error instanceof Error ? error.message : String(error)})`,
      error,
    )
  }
  const missing = [...WANTED].filter((name) => !files.has(name))
  if (missing.length > 0) throw invalid(`missing ${missing.join(', ')}`)
  const parsed = bundleManifestSchema.safeParse(parseJsonPiece('/.manifest', files.get('/.manifest')!))
  if (!parsed.success)
    throw invalid(
      `/.manifest: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    )
  const data = parseJsonPiece('/data.json', files.get('/data.json')!)
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    throw invalid('/data.json must be a JSON object')
  const wasm = files.get('/policy.wasm')!
  // Full validation happens when the module is instantiated; here only the magic number.
  if (wasm.length < 8 || wasm.readUInt32BE(0) !== 0x0061736d)
    throw invalid('/policy.wasm is not a WebAssembly module')
  return { manifest: parsed.data, wasm, data: data as Record<string, unknown>, sha256 }
}

/**
 * Reads and parses the bundle at `path` (see {@link parseBundle}).
 *
 * @throws {PolicyError} POLICY_BUNDLE_UNREADABLE when the file cannot be read; POLICY_BUNDLE_INVALID as parseBundle.
 * @example
 * const contents = await readBundle('build/bundle.tar.gz')
 */
export async function readBundle(path: string): Promise<BundleContents> {
  let bytes: Buffer
  try {
    bytes = await readFile(path)
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error)
    throw new PolicyError('POLICY_BUNDLE_UNREADABLE', `cannot read policy bundle ${path}: ${why}`, {
      cause: error,
    })
  }
  return parseBundle(bytes)
}
