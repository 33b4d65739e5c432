import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildBundle } from '../policy/index.js'
import { describeError } from '../shared/index.js'
import { ReplayError } from './errors.js'

/**
 * The candidate's bundle bytes: the file itself for a `bundle.tar.gz`, or for a policies directory a
 * bundle built from it by `opa build` (the same build as `arbiter policy build`) in a temporary dir.
 *
 * @throws {ReplayError} REPLAY_CANDIDATE_INVALID when the path is missing or the policies do not build.
 * @example
 * const bytes = await loadCandidate('policies/') // or 'build/bundle.tar.gz'
 */
export async function loadCandidate(
  path: string,
  options: { readonly revision?: string } = {},
): Promise<Uint8Array> {
  let isDir: boolean
  try {
    isDir = statSync(path).isDirectory()
  } catch (error) {
    throw new ReplayError('REPLAY_CANDIDATE_INVALID', `candidate ${path}: ${describeError(error)}`, {
      cause: error,
    })
  }
  if (!isDir)
    return readFile(path).catch((error: unknown) => {
      throw new ReplayError('REPLAY_CANDIDATE_INVALID', `candidate ${path}: ${describeError(error)}`, {
        cause: error,
      })
    })
  const dir = mkdtempSync(join(tmpdir(), 'arbiter-candidate-'))
  try {
    const built = await buildBundle({
      policiesDir: path,
      outPath: join(dir, 'bundle.tar.gz'),
      quiet: true,
      ...(options.revision ? { revision: options.revision } : {}),
    })
    return await readFile(built.path)
  } catch (error) {
    throw new ReplayError(
      'REPLAY_CANDIDATE_INVALID',
      `candidate ${path} does not build: ${describeError(error)}`,
      {
        cause: error,
      },
    )
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
