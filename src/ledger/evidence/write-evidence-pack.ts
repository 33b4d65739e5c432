import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { create } from 'tar'
import { LedgerError } from '../errors.js'
import { type EvidenceFiles, evidenceManifest } from './collect-evidence.js'

/** The scripts folder: `<repo>/scripts` from source (src/ledger/evidence) and from the build (dist/…). */
function scriptsDir(): string {
  const here = dirname(fileURLToPath(import.meta.url))
  return join(here, '..', '..', '..', 'scripts')
}

const VERIFIERS = ['verify-evidence.py', 'verify-export.py'] as const

/**
 * Writes an evidence pack as a gzipped tar at `out` (via a temporary file and a rename, so a reader
 * never sees half a pack): the collected files, a copy of the Python verifiers under `tools/`, and
 * `manifest.json`. File times are fixed, so the same evidence gives the same bytes.
 *
 * @throws {LedgerError} LEDGER_EXPORT_INVALID when the verifier scripts are missing or `out` cannot be written.
 * @example
 * await writeEvidencePack(await collectEvidence(source, request), 'pack.tar.gz', new Date())
 */
export async function writeEvidencePack(evidence: EvidenceFiles, out: string, now: Date): Promise<void> {
  const files = new Map(evidence.files)
  for (const name of VERIFIERS) {
    const path = join(scriptsDir(), name)
    if (!existsSync(path))
      throw new LedgerError('LEDGER_EXPORT_INVALID', `verifier script ${path} is missing`)
    files.set(`tools/${name}`, readFileSync(path))
  }
  files.set('manifest.json', evidenceManifest(files, evidence.summary, now))
  const stage = mkdtempSync(join(tmpdir(), 'arbiter-evidence-'))
  const temp = `${out}.${process.pid}.tmp`
  try {
    const names = [...files.keys()].sort()
    for (const name of names) {
      mkdirSync(dirname(join(stage, name)), { recursive: true })
      writeFileSync(join(stage, name), files.get(name)!)
    }
    await create({ gzip: true, file: temp, cwd: stage, portable: true, mtime: new Date(0) }, names)
    renameSync(temp, out)
  } catch (error) {
    rmSync(temp, { force: true })
    if (error instanceof LedgerError) throw error
    throw new LedgerError('LEDGER_EXPORT_INVALID', `cannot write evidence pack ${out}: ${String(error)}`, {
      cause: error,
    })
  } finally {
    rmSync(stage, { recursive: true, force: true })
  }
}
