#!/usr/bin/env python3
"""Independent verifier for an Arbiter evidence pack (`arbiter evidence --out pack.tar.gz`).

Written from docs/ledger-format.md ("Evidence pack") alone, Python 3 standard library only. It uses
the RFC 8785 and Ed25519 (RFC 8032) code of its sibling verify-export.py, and adds RFC 9162 Merkle
inclusion proofs and C2SP signed notes (tlog-checkpoint, tlog-cosignature). Nothing is recursive.

  python3 verify-evidence.py [options] DIR_OR_PACK.tar.gz

Checks, in order (the first failure ends the run):
  1. manifest.json lists every file of the pack with its SHA-256, and nothing else is in the pack;
  2. checkpoint.txt is a signed note whose log signature verifies against the log key
     (--log-key, else keys/log.vkey), and which carries at least --quorum valid cosignatures
     (tlog-cosignature/v1) from distinct witness keys (--witness-key, else keys/witnesses.vkeys);
  3. every line of entries.jsonl is a v1 entry whose hash is SHA-256 of its RFC 8785 form without
     `hash`, of the pack's chain, in seq order without gaps, linked by prev;
  4. every entry has an RFC 9162 inclusion proof in proofs.jsonl, and its leaf hash
     SHA-256(0x00 || RFC 8785 bytes) leads through that proof to the checkpoint's root hash;
  5. bundles/bundles.json lists exactly the policy bundles the entries name; every included bundle
     file (bundles/<sha256>.tar.gz, the archived bytes) has the SHA-256 the entries name; a bundle
     the archive lacked is listed with "file": null; no other file is in bundles/.

Exit 0 and 'ok: <chain> <n> entries (seq a..b) in checkpoint <size>, <k> cosignatures' on success;
else exit 1 and one line 'FAIL: <file>: <reason>'. Exit 2 for bad usage.
"""
import argparse
import base64
import hashlib
import importlib.util
import io
import json
import os
import re
import sys
import tarfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # run from inside a pack: leave no __pycache__ behind in it


def load_export_verifier():
    """verify-export.py from this script's directory: its JCS, JSON parser and Ed25519 code."""
    path = os.path.join(HERE, "verify-export.py")
    spec = importlib.util.spec_from_file_location("verify_export", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


vx = load_export_verifier()
FORMAT = "arbiter-evidence/v1"
HEX64 = re.compile(r"^[0-9a-f]{64}$")
NAME = re.compile(r"^[^\s+]+$")
ALG_ED25519 = 0x01
ALG_COSIGNATURE_V1 = 0x04
MAX_FILE = 1 << 30


class Fail(Exception):
    def __init__(self, where, reason):
        super().__init__("%s: %s" % (where, reason))


# ---- reading the pack (a directory or a .tar.gz) ---------------------------------------------------


def read_pack(path):
    """{relative name: bytes} of every regular file; links, devices and '..' names are refused."""
    files = {}
    if os.path.isdir(path):
        for root, dirs, names in os.walk(path):
            dirs.sort()
            for name in sorted(names):
                full = os.path.join(root, name)
                if os.path.islink(full) or not os.path.isfile(full):
                    raise Fail(os.path.relpath(full, path), "not a regular file")
                with open(full, "rb") as f:
                    files[os.path.relpath(full, path).replace(os.sep, "/")] = f.read(MAX_FILE)
        return files
    try:
        with tarfile.open(path, "r:gz") as tar:
            for member in tar:
                if member.isdir():
                    continue
                # Attacker-controlled archive: only plain files with plain relative names.
                if not member.isfile() or member.name.startswith("/") or ".." in member.name.split("/"):
                    raise Fail(member.name, "not a plain file in the pack")
                name = member.name[2:] if member.name.startswith("./") else member.name
                if name in files:
                    raise Fail(name, "appears twice in the pack")
                files[name] = tar.extractfile(member).read(MAX_FILE)
    except (tarfile.TarError, OSError, EOFError) as err:
        raise Fail(path, "not a readable .tar.gz: %s" % err)
    return files


def text_of(files, name):
    if name not in files:
        raise Fail(name, "missing from the pack")
    try:
        return files[name].decode("utf-8")
    except UnicodeDecodeError:
        raise Fail(name, "not UTF-8")


def json_of(files, name):
    try:
        return vx.parse(text_of(files, name))
    except (vx.Invalid, ValueError) as err:
        raise Fail(name, "not JSON: %s" % err)


def jsonl_of(files, name):
    text = text_of(files, name)
    if text and not text.endswith("\n"):
        raise Fail(name, "the last line has no newline (cut?)")
    out = []
    for number, line in enumerate(text.split("\n")[:-1], 1):
        try:
            out.append(vx.parse(line))
        except (vx.Invalid, ValueError) as err:
            raise Fail(name, "line %d is not JSON: %s" % (number, err))
    return out


def check_manifest(files):
    manifest = json_of(files, "manifest.json")
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise Fail("manifest.json", "format is not %s" % FORMAT)
    listed = manifest.get("files")
    if not isinstance(listed, dict):
        raise Fail("manifest.json", "files must be an object of name -> sha256")
    for name in sorted(files):
        if name != "manifest.json" and name not in listed:
            raise Fail(name, "in the pack but not in manifest.json")
    for name, digest in sorted(listed.items()):
        if name not in files:
            raise Fail(name, "listed in manifest.json but missing from the pack")
        if hashlib.sha256(files[name]).hexdigest() != digest:
            raise Fail(name, "SHA-256 differs from manifest.json")
    for key in ("chain", "origin"):
        if not isinstance(manifest.get(key), str) or not manifest[key]:
            raise Fail("manifest.json", "%s must be a non-empty string" % key)
    return manifest


# ---- C2SP signed notes -----------------------------------------------------------------------------


def b64(text, where):
    try:
        return base64.b64decode(text, validate=True)
    except ValueError:
        raise Fail(where, "bad base64")


def parse_vkey(text, alg, where):
    """C2SP signed-note verifier key '<name>+<hex key hash>+<base64(alg || key)>' -> (name, id, key)."""
    parts = text.strip().split("+", 2)  # the base64 key may itself contain '+'
    if len(parts) != 3 or not NAME.match(parts[0]) or not re.fullmatch(r"[0-9a-f]{8}", parts[1]):
        raise Fail(where, "not a verifier key <name>+<hash>+<key>: %r" % text[:120])
    raw = b64(parts[2], where)
    if len(raw) != 33 or raw[0] != alg:
        raise Fail(where, "verifier key %s is not type 0x%02x with a 32-byte Ed25519 key" % (parts[0], alg))
    key_id = hashlib.sha256(parts[0].encode() + b"\n" + raw).digest()[:4]
    if key_id.hex() != parts[1]:
        raise Fail(where, "verifier key %s: key hash does not match the key" % parts[0])
    return parts[0], key_id, raw[1:]


def split_note(text):
    """(signed text, [(name, signature bytes)]) of a signed note (C2SP signed-note)."""
    cut = text.rfind("\n\n")
    if cut < 0 or not text.endswith("\n"):
        raise Fail("checkpoint.txt", "not a signed note (no blank line before the signatures)")
    body, sigs = text[: cut + 1], []
    for line in text[cut + 2 : -1].split("\n"):
        m = re.fullmatch("\u2014 ([^\\s+]+) ([A-Za-z0-9+/=]+)", line)
        if not m:
            raise Fail("checkpoint.txt", "malformed signature line %r" % line[:120])
        sigs.append((m.group(1), b64(m.group(2), "checkpoint.txt")))
    return body, sigs


def parse_checkpoint(body):
    lines = body.split("\n")[:-1]
    if len(lines) < 3 or not lines[0] or not re.fullmatch(r"0|[1-9][0-9]{0,18}", lines[1]):
        raise Fail("checkpoint.txt", "not a tlog-checkpoint (origin, size, root hash)")
    root = b64(lines[2], "checkpoint.txt")
    if len(root) != 32:
        raise Fail("checkpoint.txt", "root hash is not 32 bytes")
    return lines[0], int(lines[1]), root


def verify_note(text, log_key, witness_keys, quorum):
    body, sigs = split_note(text)
    origin, size, root = parse_checkpoint(body)
    name, key_id, key = log_key
    if not any(n == name and s[:4] == key_id and vx.ed25519_verify(key, body.encode(), s[4:]) for n, s in sigs if len(s) == 68):
        raise Fail("checkpoint.txt", "no valid signature from the log key %s" % name)
    cosigned = set()
    for n, s in sigs:
        for w_name, w_id, w_key in witness_keys:
            if n != w_name or len(s) != 76 or s[:4] != w_id:
                continue
            stamp = int.from_bytes(s[4:12], "big")
            message = ("cosignature/v1\ntime %d\n" % stamp).encode() + body.encode()
            if stamp < 2**63 and vx.ed25519_verify(w_key, message, s[12:]):
                cosigned.add((w_name, w_id))
    if len(cosigned) < quorum:
        raise Fail("checkpoint.txt", "%d valid cosignatures from the witness keys, quorum is %d" % (len(cosigned), quorum))
    return origin, size, root, len(cosigned)


# ---- RFC 9162 --------------------------------------------------------------------------------------


def leaf_hash(leaf):
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_inclusion(index, size, leaf, path):
    """RFC 9162 section 2.1.3.2: the root the proof leads to, or None when the proof is malformed."""
    if index >= size:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return r if sn == 0 else None


# ---- the pack ---------------------------------------------------------------------------------------


def check_entries(files, chain, size, root):
    entries = jsonl_of(files, "entries.jsonl")
    proofs = jsonl_of(files, "proofs.jsonl")
    if not entries:
        raise Fail("entries.jsonl", "no entries")
    if len(proofs) != len(entries):
        raise Fail("proofs.jsonl", "%d proofs for %d entries" % (len(proofs), len(entries)))
    previous = None
    for e, proof in zip(entries, proofs):
        try:
            vx.check_shape(e)
        except vx.Invalid as err:
            raise Fail("entries.jsonl", "seq %s: %s" % (e.get("seq") if isinstance(e, dict) else "?", err))
        seq = e["seq"]
        if e["chain"] != chain:
            raise Fail("entries.jsonl", "seq %d is on chain %r, the pack is for %r" % (seq, e["chain"], chain))
        if previous is not None and (seq != previous["seq"] + 1 or e["prev"] != previous["hash"]):
            raise Fail("entries.jsonl", "seq %d does not follow seq %d" % (seq, previous["seq"]))
        leaf = vx.jcs({k: e[k] for k in ("v", "chain", "seq", "ts", "type", "body", "prev")}).encode("utf-8")
        if hashlib.sha256(leaf).hexdigest() != e["hash"]:
            raise Fail("entries.jsonl", "seq %d: hash does not match content" % seq)
        if not isinstance(proof, dict) or proof.get("seq") != seq or proof.get("tree_size") != size:
            raise Fail("proofs.jsonl", "proof for seq %d in a tree of %d expected" % (seq, size))
        hashes = proof.get("hashes")
        if not isinstance(hashes, list) or len(hashes) > 64 or not all(isinstance(h, str) for h in hashes):
            raise Fail("proofs.jsonl", "seq %d: hashes must be a list of base64 strings" % seq)
        path = [b64(h, "proofs.jsonl") for h in hashes]
        if any(len(p) != 32 for p in path) or root_from_inclusion(seq - 1, size, leaf_hash(leaf), path) != root:
            raise Fail("proofs.jsonl", "seq %d: inclusion proof does not lead to the checkpoint root" % seq)
        previous = e
    return entries


def named_bundles(entries):
    """{sha256: revision} of every policy bundle the entries name (decisions and policy_loaded)."""
    named = {}
    for e in entries:
        body = e["body"]
        ref = body.get("bundle") if e["type"] != "policy_loaded" else body
        if isinstance(ref, dict) and isinstance(ref.get("sha256"), str):
            named[ref["sha256"]] = ref.get("revision")
    return named


def check_bundles(files, entries):
    """bundles.json names exactly the entries' bundles; each included file is bundles/<sha256>.tar.gz
    and hashes to that SHA-256; a bundle the archive lacked is listed with file null."""
    listed = json_of(files, "bundles/bundles.json")
    if not isinstance(listed, list):
        raise Fail("bundles/bundles.json", "must be a list")
    named = named_bundles(entries)
    seen = set()
    referenced = set()
    for item in listed:
        if not isinstance(item, dict) or not isinstance(item.get("sha256"), str) or not HEX64.match(item["sha256"]):
            raise Fail("bundles/bundles.json", "an item without a sha256")
        sha = item["sha256"]
        if sha in seen:
            raise Fail("bundles/bundles.json", "bundle %s is listed twice" % sha[:16])
        if sha not in named:
            raise Fail("bundles/bundles.json", "bundle %s is named by no entry of the pack" % sha[:16])
        if item.get("revision") != named[sha]:
            raise Fail("bundles/bundles.json", "bundle %s: revision differs from the entries" % sha[:16])
        archived = item.get("file")
        if archived is not None:
            if archived != "bundles/%s.tar.gz" % sha:
                raise Fail("bundles/bundles.json", "bundle %s: file must be null or bundles/<sha256>.tar.gz" % sha[:16])
            if archived not in files:
                raise Fail(archived, "listed in bundles/bundles.json but missing from the pack")
            actual = hashlib.sha256(files[archived]).hexdigest()
            if actual != sha:
                raise Fail(archived, "SHA-256 is %s, the entries name %s" % (actual[:16], sha[:16]))
            referenced.add(archived)
        seen.add(sha)
    missing = sorted(set(named) - seen)
    if missing:
        raise Fail("bundles/bundles.json", "bundle %s named by an entry is not listed" % missing[0][:16])
    for name in sorted(files):
        if name.startswith("bundles/") and name != "bundles/bundles.json" and name not in referenced:
            raise Fail(name, "in bundles/ but not a bundle file of bundles/bundles.json")


def verify_pack(path, log_vkey=None, witness_vkeys=(), quorum=1):
    files = read_pack(path)
    manifest = check_manifest(files)
    pinned = log_vkey is not None
    log_key = parse_vkey(log_vkey or text_of(files, "keys/log.vkey"), ALG_ED25519, "--log-key" if pinned else "keys/log.vkey")
    if witness_vkeys:
        witnesses = [parse_vkey(v, ALG_COSIGNATURE_V1, "--witness-key") for v in witness_vkeys]
    else:
        lines = [l for l in text_of(files, "keys/witnesses.vkeys").split("\n") if l.strip()]
        witnesses = [parse_vkey(v, ALG_COSIGNATURE_V1, "keys/witnesses.vkeys") for v in lines]
    if not pinned or not witness_vkeys:
        print("warning: keys taken from the pack; pin them with --log-key and --witness-key", file=sys.stderr)
    origin, size, root, cosigs = verify_note(text_of(files, "checkpoint.txt"), log_key, witnesses, quorum)
    if origin != manifest["origin"]:
        raise Fail("checkpoint.txt", "origin %r is not the pack's origin %r" % (origin, manifest["origin"]))
    entries = check_entries(files, manifest["chain"], size, root)
    check_bundles(files, entries)
    first, last = entries[0]["seq"], entries[-1]["seq"]
    return "ok: %s %d entries (seq %d..%d) in checkpoint %d, %d cosignatures" % (manifest["chain"], len(entries), first, last, size, cosigs)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pack", help="the unpacked directory or the .tar.gz")
    parser.add_argument("--log-key", help="the log's verifier key (pinned; else keys/log.vkey)")
    parser.add_argument("--witness-key", action="append", default=[], help="a witness verifier key (repeatable)")
    parser.add_argument("--quorum", type=int, default=1, help="cosignatures required (default 1)")
    parser.add_argument("--pure-python", action="store_true", help="never use the cryptography package")
    args = parser.parse_args(argv[1:])
    if args.quorum < 0:
        parser.error("--quorum must be >= 0")
    vx.ED25519_NATIVE = None if args.pure_python else vx.native_verifier()
    try:
        print(verify_pack(args.pack, args.log_key, args.witness_key, args.quorum))
        return 0
    except Fail as err:
        print("FAIL: %s" % err)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
