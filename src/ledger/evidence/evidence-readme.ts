/** What the README of an evidence pack states about the pack. */
export interface EvidenceSummary {
  readonly chain: string
  readonly origin: string
  readonly from: string
  readonly to: string
  readonly entries: number
  readonly firstSeq: number
  readonly lastSeq: number
  readonly treeSize: number
  readonly cosignatures: number
  readonly logVkey: string
  readonly witnessVkeys: readonly string[]
  /** SHA-256 of the named bundles whose bytes are in the pack (`bundles/<sha256>.tar.gz`). */
  readonly bundlesIncluded: readonly string[]
  /** SHA-256 of the named bundles the bundle archive does not hold (`file: null`). */
  readonly bundlesMissing: readonly string[]
}

/** The README's section on the policy bundles: which are included and which only by SHA-256. */
function bundlesSection(s: EvidenceSummary): string {
  const included = s.bundlesIncluded.map((sha) => `- \`bundles/${sha}.tar.gz\`\n`).join('')
  const missing = s.bundlesMissing.map((sha) => `- \`${sha}\` (SHA-256 only)\n`).join('')
  return `## Policy bundles

The entries name ${s.bundlesIncluded.length + s.bundlesMissing.length} policy bundle(s). ${s.bundlesIncluded.length} are included, each as
the exact tar.gz bytes Arbiter loaded, from its bundle archive (\`arbiter policy show\`); the verifier
checks that each file's SHA-256 is the one the entries name:

${included || '- none\n'}
${s.bundlesMissing.length} are not in the bundle archive (loaded before the archive existed, migration 0104, or never
loaded by this database): \`bundles/bundles.json\` lists them with \`"file": null\` and their SHA-256 only.
Obtain those from the operator and compare their SHA-256 (\`sha256sum bundle.tar.gz\`) with the one listed:

${missing || '- none\n'}`
}

/**
 * The README.md of an evidence pack: what is in it and the exact steps to verify it with nothing
 * but the pack and Python 3 (or by hand, with Go's sumdb/note and tlog packages).
 *
 * @example
 * writeFileSync(join(dir, 'README.md'), evidenceReadme(summary))
 */
export function evidenceReadme(s: EvidenceSummary): string {
  const witnessFlags = s.witnessVkeys.map((v) => `  --witness-key '${v}' \\\n`).join('')
  return `# Arbiter evidence pack

Chain \`${s.chain}\` (log origin \`${s.origin}\`), entries with \`ts\` from ${s.from} to ${s.to}:
${s.entries} entries, seq ${s.firstSeq} to ${s.lastSeq}, each with an RFC 9162 inclusion proof in the
Merkle tree of the log's checkpoint of size ${s.treeSize}. That checkpoint is signed by the log and carries
${s.cosignatures} cosignature(s) by independent witnesses (C2SP tlog-cosignature/v1).

## Files

| File | What it is |
| --- | --- |
| \`manifest.json\` | format \`arbiter-evidence/v1\`, chain, origin, period, and the SHA-256 of every other file |
| \`checkpoint.txt\` | the C2SP signed note: origin, tree size, base64 root hash; the log's signature; the witnesses' cosignatures |
| \`entries.jsonl\` | the entries of the period, one ledger format v1 entry (with \`hash\`) per line, in \`seq\` order |
| \`proofs.jsonl\` | per entry: \`{"seq", "tree_size", "hashes"}\`, the inclusion proof (base64 hashes, RFC 9162 §2.1.3) |
| \`keys/log.vkey\` | the log's verifier key (C2SP signed-note, Ed25519, type 0x01) |
| \`keys/witnesses.vkeys\` | the witnesses' verifier keys (type 0x04), one per line |
| \`bundles/bundles.json\` | the policy bundles the entries name: revision, SHA-256, and \`file\` (its path here), or \`null\` when the bundle archive lacks it |
| \`bundles/<sha256>.tar.gz\` | each archived bundle's exact bytes |
| \`tools/verify-evidence.py\`, \`tools/verify-export.py\` | a copy of the independent verifier (Python 3 standard library only) |

## Verify

Obtain the log's and the witnesses' verifier keys from their operators, not from this pack (the copies
in \`keys/\` only say which keys were used). Then, in the unpacked directory:

\`\`\`sh
python3 tools/verify-evidence.py . \\
  --log-key '${s.logVkey}' \\
${witnessFlags}  --quorum ${s.cosignatures}
\`\`\`

Prefer a copy of \`verify-evidence.py\` and \`verify-export.py\` from the Arbiter source (\`scripts/\`) over the
one in the pack. It prints \`ok: …\` and exits 0, or prints \`FAIL: <file>: <reason>\` and exits 1. It checks:

1. every file's SHA-256 against \`manifest.json\` (accidental damage; the cryptographic checks follow);
2. the log's Ed25519 signature on \`checkpoint.txt\` and at least the quorum of valid witness cosignatures
   (message: \`cosignature/v1\\ntime <t>\\n\` followed by the checkpoint text);
3. each entry's \`hash\`: SHA-256 of the RFC 8785 form of the entry without \`hash\`; seq and prev links;
4. each entry's leaf hash SHA-256(0x00 ‖ those RFC 8785 bytes) through its proof to the checkpoint's root
   (interior nodes SHA-256(0x01 ‖ left ‖ right));
5. that \`bundles/bundles.json\` lists exactly the bundles the entries name, that each included bundle
   file has the SHA-256 the entries name, and that no other file is in \`bundles/\`.

What it proves: these entries are in the log at these positions, in the tree the log signed and the
witnesses cosigned; a witness cosigns a tree only when it is consistent with every tree it cosigned
before, so the log cannot show the examiner a history it did not show the witnesses.

${bundlesSection(s)}`
}
