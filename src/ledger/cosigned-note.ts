import type { Kysely } from 'kysely'
import { cosignaturesOfSize } from './cosignature-store.js'
import type { LedgerDatabase } from './schema.js'
import { MAX_NOTE_SIGNATURES, parseCheckpoint, parseNote } from './tlog/index.js'
import { parseCosignerVkey, verifyCosignatureLine } from './witness/index.js'

/**
 * `note` (a signed checkpoint of `chain`, as the log signed it) with the witnesses' cosignature lines
 * stored for exactly that note appended, so one fetch gives a C2SP note that third-party code (Go's
 * `sumdb/note` with `transparency-dev/formats` cosignature verifiers) can check against the log's and
 * the witnesses' keys. Only lines that verify under the witness key stored with them are added (the
 * table is not trusted); one line per witness key. Without stored cosignatures, `note` is returned as is.
 *
 * @example
 * res.send(await withStoredCosignatures(db, 'default', await tree.latestNote('default')))
 */
export async function withStoredCosignatures(
  db: Kysely<LedgerDatabase>,
  chain: string,
  note: string,
): Promise<string> {
  const { text, signatures } = parseNote(note)
  const { size } = parseCheckpoint(text)
  // The note's own signature lines (the log's; a cosignature already on it is not repeated).
  const present = new Set(note.slice(note.lastIndexOf('\n\n') + 2).split('\n'))
  let room = MAX_NOTE_SIGNATURES - signatures.length // readers refuse longer notes
  const added: string[] = []
  const witnesses = new Set<string>()
  for (const row of await cosignaturesOfSize(db, chain, size)) {
    if (room <= 0) break
    if (row.note !== note || present.has(row.cosignature) || witnesses.has(row.witnessVkey)) continue
    let ok = false
    try {
      ok = verifyCosignatureLine(text, row.cosignature, parseCosignerVkey(row.witnessVkey)) !== null
    } catch {
      ok = false // a malformed stored vkey: not served
    }
    if (!ok) continue
    witnesses.add(row.witnessVkey)
    room--
    added.push(`${row.cosignature}\n`)
  }
  return `${note}${added.join('')}`
}
