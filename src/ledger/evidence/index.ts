// Evidence packs (`arbiter evidence`): entries of a period with inclusion proofs against one
// witnessed checkpoint, for an examiner to verify with nothing but the pack and Python 3.
export {
  collectEvidence,
  type EvidenceFiles,
  type EvidenceRequest,
  type EvidenceSource,
  evidenceManifest,
} from './collect-evidence.js'
export { type EvidenceSummary, evidenceReadme } from './evidence-readme.js'
export { writeEvidencePack } from './write-evidence-pack.js'
