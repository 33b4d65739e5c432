#!/usr/bin/env python3
"""Independent verifier for Arbiter ledger JSONL exports.

Written from docs/ledger-format.md alone (no Arbiter code, Python 3 standard library only): it
re-implements RFC 8785 (JCS) and Ed25519 signature verification (RFC 8032), recomputes every entry
hash, checks seq continuity and prev links per chain, checks each chain's signed checkpoints, and
checks that the export is complete (it ends with its end line, and no chain ends before a checkpoint).
Any nesting depth is handled (no recursion).

  python3 scripts/verify-export.py [options] export.jsonl        # or '-' for stdin
  python3 scripts/verify-export.py --canonicalize in.json         # print the JCS form of a JSON file

Options:
  --trusted-key PEM        pin a checkpoint public key (PEM "PUBLIC KEY" file); repeatable. Without
                           one, checkpoints are checked against the key they carry (warned on stderr).
  --expect-chain ID        this chain must be in the export; repeatable (else missing_chain).
  --max-checkpoint-age MS  the newest checkpoint of a chain with entries may be at most this old
                           at the export's exported_at (else stale_checkpoint).
  --pure-python            verify signatures with the built-in Ed25519 code even when the
                           `cryptography` package is installed (it is used when present: faster).

Exit 0 and 'ok: <chain> <count> entries, head <hash>' per chain; else exit 1 and
'FAIL: <chain> seq <n> <kind>: <message>' for the first failure of each failing chain, or one
'FAIL: export …' line for an empty, cut or malformed export. Exit 2 for bad usage.
An export that starts after seq 1 (--from-seq) cannot check the first entry's prev link.
"""
import argparse
import base64
import hashlib
import io
import json
import math
import re
import sys
from datetime import datetime

GENESIS = "0" * 64
HEX64 = re.compile(r"^[0-9a-f]{64}$")
KEY_ID = re.compile(r"^[0-9a-f]{16}$")
TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
KEYS = {"v", "chain", "seq", "ts", "type", "body", "prev", "hash"}
CHECKPOINT_KEYS = {"chain", "seq", "hash", "ts", "key_id", "sig", "public_key"}


class Invalid(Exception):
    pass


# ---- JSON parsing ---------------------------------------------------------------------------------


def no_duplicates(pairs):
    obj = {}
    for key, val in pairs:
        if key in obj:
            raise Invalid("duplicate member " + key)
        obj[key] = val
    return obj


def reject_constant(name):
    raise Invalid(name + " is not JSON")


WS = re.compile(r"[ \t\n\r]*")
STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")


def parse_deep(text):
    """RFC 8259 parser with an explicit stack, for values nested deeper than json.loads recurses."""
    frames = []  # [container, member name or None]
    i = WS.match(text, 0).end()

    def member_name(i):
        m = STRING.match(text, i)
        if not m:
            raise Invalid("expected a member name at offset %d" % i)
        i = WS.match(text, m.end()).end()
        if text[i : i + 1] != ":":
            raise Invalid("expected ':' at offset %d" % i)
        return json.loads(m.group()), WS.match(text, i + 1).end()

    while True:
        ch = text[i : i + 1]
        if ch == "{" or ch == "[":
            i = WS.match(text, i + 1).end()
            if text[i : i + 1] == ("}" if ch == "{" else "]"):
                value, i = ({} if ch == "{" else []), i + 1
            else:
                frames.append([{} if ch == "{" else [], None])
                if ch == "{":
                    frames[-1][1], i = member_name(i)
                continue
        elif ch == '"':
            m = STRING.match(text, i)
            if not m:
                raise Invalid("unterminated string at offset %d" % i)
            value, i = json.loads(m.group()), m.end()  # json.loads checks escapes and control characters
        elif ch == "-" or ch.isdigit():
            m = NUMBER.match(text, i)
            if not m:
                raise Invalid("bad number at offset %d" % i)
            value = float(m.group()) if m.group(1) or m.group(2) else int(m.group())
            i = m.end()
        elif text.startswith("true", i):
            value, i = True, i + 4
        elif text.startswith("false", i):
            value, i = False, i + 5
        elif text.startswith("null", i):
            value, i = None, i + 4
        else:
            raise Invalid("unexpected %r at offset %d" % (ch, i))
        # Attach the value to its container; close every container that ends here.
        while True:
            i = WS.match(text, i).end()
            if not frames:
                if i != len(text):
                    raise Invalid("trailing data at offset %d" % i)
                return value
            container, name = frames[-1]
            sep = text[i : i + 1]
            if isinstance(container, dict):
                if name in container:
                    raise Invalid("duplicate member " + name)
                container[name] = value
                if sep == ",":
                    frames[-1][1], i = member_name(WS.match(text, i + 1).end())
                    break
                if sep != "}":
                    raise Invalid("expected ',' or '}' at offset %d" % i)
            else:
                container.append(value)
                if sep == ",":
                    i = WS.match(text, i + 1).end()
                    break
                if sep != "]":
                    raise Invalid("expected ',' or ']' at offset %d" % i)
            frames.pop()
            value, i = container, i + 1


def parse(text):
    try:
        return json.loads(text, object_pairs_hook=no_duplicates, parse_constant=reject_constant)
    except RecursionError:
        return parse_deep(text)


# ---- RFC 8785 ------------------------------------------------------------------------------------


def es_number(x):
    """ECMAScript Number::toString for a finite double (RFC 8785 section 3.2.2.3)."""
    if isinstance(x, int):
        try:
            x = float(x)
        except OverflowError:
            raise Invalid("number out of range")
    if math.isnan(x) or math.isinf(x):
        raise Invalid("NaN and Infinity are not JSON")
    if x == 0:
        return "0"
    if x < 0:
        return "-" + es_number(-x)
    m = re.fullmatch(r"(\d+)(?:\.(\d+))?(?:e([+-]\d+))?", repr(x))
    int_part, frac, exp = m.group(1), m.group(2) or "", int(m.group(3) or 0)
    all_digits = int_part + frac
    lead = len(all_digits) - len(all_digits.lstrip("0"))
    n = len(int_part) - lead + exp  # value = 0.d1d2... x 10^n
    digits = all_digits.lstrip("0").rstrip("0")
    k = len(digits)
    if k <= n <= 21:
        return digits + "0" * (n - k)
    if 0 < n <= 21:
        return digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return "0." + "0" * (-n) + digits
    e = n - 1
    mantissa = digits if k == 1 else digits[0] + "." + digits[1:]
    return mantissa + "e" + ("+" if e >= 0 else "-") + str(abs(e))


class Text(str):
    """Already-serialised text on the JCS work stack (as opposed to a JSON string value)."""


def jcs(value):
    """RFC 8785 canonical JSON text of a parsed JSON value, with an explicit stack (any depth)."""
    out = []
    work = [value]
    while work:
        item = work.pop()
        if type(item) is Text:
            out.append(item)
        elif item is None:
            out.append("null")
        elif item is True:
            out.append("true")
        elif item is False:
            out.append("false")
        elif isinstance(item, (int, float)):
            out.append(es_number(item))
        elif isinstance(item, str):
            out.append(json.dumps(item, ensure_ascii=False))
        elif isinstance(item, list):
            out.append("[")
            work.append(Text("]"))
            for index in range(len(item) - 1, -1, -1):
                work.append(item[index])
                if index > 0:
                    work.append(Text(","))
        elif isinstance(item, dict):
            out.append("{")
            work.append(Text("}"))
            keys = sorted(item.keys(), key=lambda k: k.encode("utf-16-be", "surrogatepass"))
            for index in range(len(keys) - 1, -1, -1):
                work.append(item[keys[index]])
                work.append(Text(json.dumps(keys[index], ensure_ascii=False) + ":"))
                if index > 0:
                    work.append(Text(","))
        else:
            raise Invalid("not a JSON value")
    return "".join(out)


# ---- Ed25519 verification (RFC 8032 section 5.1) ---------------------------------------------------

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)
NEUTRAL = (0, 1, 1, 0)


def point_add(p, q):
    """Addition in extended coordinates (section 5.1.4); also correct for doubling."""
    x1, y1, z1, t1 = p
    x2, y2, z2, t2 = q
    a = (y1 - x1) * (y2 - x2) % P
    b = (y1 + x1) * (y2 + x2) % P
    c = 2 * t1 * t2 * D % P
    d = 2 * z1 * z2 % P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def point_double(p):
    """Doubling in extended coordinates (section 5.1.4)."""
    x1, y1, z1, _ = p
    a = x1 * x1 % P
    b = y1 * y1 % P
    c = 2 * z1 * z1 % P
    h = a + b
    e = h - (x1 + y1) * (x1 + y1) % P
    g = a - b
    f = c + g
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def double_scalar_mult(s, p, k, q):
    """[s]p + [k]q in one pass over the bits (Shamir's trick)."""
    table = {1: p, 2: q, 3: point_add(p, q)}
    r = NEUTRAL
    for bit in range(max(s.bit_length(), k.bit_length()) - 1, -1, -1):
        r = point_double(r)
        index = ((s >> bit) & 1) | (((k >> bit) & 1) << 1)
        if index:
            r = point_add(r, table[index])
    return r


def point_encode(p):
    x, y, z, _ = p
    zinv = pow(z, P - 2, P)
    x, y = x * zinv % P, y * zinv % P
    return int.to_bytes(y | ((x & 1) << 255), 32, "little")


def point_decode(raw):
    """Section 5.1.3; None when the bytes are not a point."""
    if len(raw) != 32:
        return None
    y = int.from_bytes(raw, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    if y >= P:
        return None
    x2 = (y * y - 1) * pow(D * y * y + 1, P - 2, P) % P
    if x2 == 0:
        if sign:
            return None
        return (0, y, 1, 0)
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P != 0:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P != 0:
        return None
    if (x & 1) != sign:
        x = P - x
    return (x, y, 1, x * y % P)


BASE_Y = 4 * pow(5, P - 2, P) % P
BASE = point_decode(int.to_bytes(BASE_Y, 32, "little"))


def ed25519_verify(public_key, message, signature):
    """Section 5.1.7, checking [S]B - [k]A = R by comparing encodings (R must be canonical)."""
    if ED25519_NATIVE is not None:
        return ED25519_NATIVE(public_key, message, signature)
    if len(signature) != 64:
        return False
    a_point = point_decode(public_key)
    s = int.from_bytes(signature[32:], "little")
    if a_point is None or s >= L:
        return False
    k = int.from_bytes(hashlib.sha512(signature[:32] + public_key + message).digest(), "little") % L
    minus_a = ((P - a_point[0]) % P, a_point[1], a_point[2], (P - a_point[3]) % P)
    return point_encode(double_scalar_mult(s, BASE, k, minus_a)) == signature[:32]


def native_verifier():
    """The `cryptography` package's Ed25519 when it is installed (much faster); else None."""
    try:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    except ImportError:
        return None

    def verify(public_key, message, signature):
        try:
            Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
            return True
        except (InvalidSignature, ValueError):
            return False

    return verify


ED25519_NATIVE = None  # set in main() unless --pure-python


SPKI_ED25519 = bytes.fromhex("302a300506032b6570032100")


def read_public_key(path):
    """Raw 32-byte key from a PEM SubjectPublicKeyInfo file holding an Ed25519 key."""
    with open(path, encoding="ascii") as f:
        text = f.read()
    m = re.search(r"-----BEGIN PUBLIC KEY-----(.*?)-----END PUBLIC KEY-----", text, re.DOTALL)
    if not m:
        raise Invalid("%s is not a PEM public key" % path)
    der = base64.b64decode("".join(m.group(1).split()))
    if len(der) != 44 or not der.startswith(SPKI_ED25519):
        raise Invalid("%s is not an Ed25519 public key" % path)
    return der[12:]


def key_id_of(raw):
    return hashlib.sha256(raw).hexdigest()[:16]


# ---- export verification -------------------------------------------------------------------------


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def check_shape(e):
    if not isinstance(e, dict) or set(e.keys()) != KEYS:
        raise Invalid("line is not an entry (the v1 members plus hash), a checkpoint or the end line")
    if not (is_int(e["v"]) and e["v"] == 1):
        raise Invalid("v must be 1")
    if not isinstance(e["chain"], str) or not e["chain"]:
        raise Invalid("chain must be a non-empty string")
    if not (is_int(e["seq"]) and e["seq"] >= 1):
        raise Invalid("seq must be an integer >= 1")
    if not (isinstance(e["ts"], str) and TS.match(e["ts"])):
        raise Invalid("ts must be RFC 3339 with milliseconds and Z")
    if not isinstance(e["type"], str) or not e["type"]:
        raise Invalid("type must be a non-empty string")
    if not isinstance(e["body"], dict):
        raise Invalid("body must be an object")
    for name in ("prev", "hash"):
        if not (isinstance(e[name], str) and HEX64.match(e[name])):
            raise Invalid(name + " must be 64 lowercase hex characters")


def entry_hash(e):
    unhashed = {k: e[k] for k in ("v", "chain", "seq", "ts", "type", "body", "prev")}
    return hashlib.sha256(jcs(unhashed).encode("utf-8")).hexdigest()


def millis(ts):
    try:
        return datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").timestamp() * 1000
    except (TypeError, ValueError):
        return float("-inf")


def checkpoint_problem(cp, trusted):
    """None when the checkpoint is well-formed and validly signed, else the reason."""
    if not isinstance(cp, dict) or set(cp.keys()) != CHECKPOINT_KEYS:
        return "malformed checkpoint"
    if not (is_int(cp["seq"]) and cp["seq"] >= 1 and isinstance(cp["ts"], str)):
        return "malformed checkpoint"
    if not (isinstance(cp["hash"], str) and HEX64.match(cp["hash"])):
        return "malformed checkpoint"
    if not (isinstance(cp["key_id"], str) and KEY_ID.match(cp["key_id"])):
        return "malformed checkpoint"
    if trusted:
        key = trusted.get(cp["key_id"])
        if key is None:
            return "checkpoint at seq %d is signed by untrusted key %s" % (cp["seq"], cp["key_id"])
    else:
        try:
            key = base64.b64decode(cp["public_key"], validate=True)
        except (TypeError, ValueError):
            return "checkpoint at seq %d carries a malformed public key" % cp["seq"]
        if len(key) != 32 or key_id_of(key) != cp["key_id"]:
            return "checkpoint at seq %d: key_id does not match its public key" % cp["seq"]
    try:
        sig = base64.b64decode(cp["sig"], validate=True)
    except (TypeError, ValueError):
        sig = b""
    message = "arbiter-checkpoint v1\n%s\n%d\n%s\n%s\n" % (cp["chain"], cp["seq"], cp["hash"], cp["ts"])
    if not ed25519_verify(key, message.encode("utf-8"), sig):
        return "checkpoint at seq %d has an invalid signature" % cp["seq"]
    return None


class Chain:
    def __init__(self):
        self.count = 0
        self.seq = None  # last verified seq
        self.hash = None
        self.first_ts = None
        self.failure = None  # (seq, kind, message) of the entries
        self.bad = None  # lowest bad checkpoint
        self.named = {}  # seq -> hashes named by valid checkpoints
        self.checkpoints = 0
        self.max_cp = 0
        self.newest = None  # (millis, seq, ts) of the newest valid checkpoint

    def fail(self, seq, kind, message):
        self.failure = (seq, kind, message)

    def add_checkpoint(self, cp, trusted):
        seq = cp.get("seq") if isinstance(cp, dict) and is_int(cp.get("seq")) else 0
        problem = checkpoint_problem(cp, trusted)
        if problem:
            if self.bad is None or seq < self.bad[0]:
                self.bad = (seq, "bad_signature", problem)
            return
        self.checkpoints += 1
        self.named.setdefault(seq, []).append(cp["hash"])
        self.max_cp = max(self.max_cp, seq)
        t = millis(cp["ts"])
        if self.newest is None or t > self.newest[0]:
            self.newest = (t, seq, cp["ts"])

    def add_entry(self, e):
        if self.failure:
            return
        seq = e["seq"]
        try:
            computed = entry_hash(e)
        except (Invalid, UnicodeEncodeError) as err:
            return self.fail(seq, "hash_mismatch", "entry cannot be canonicalised: %s" % err)
        if self.seq is None:
            if seq == 1 and e["prev"] != GENESIS:
                return self.fail(seq, "broken_link", "first entry must have prev = 64 zeros")
        elif seq > self.seq + 1:
            return self.fail(self.seq + 1, "gap", "entry %d is missing" % (self.seq + 1))
        elif seq != self.seq + 1:
            return self.fail(seq, "broken_link", "entry %d out of order" % seq)
        if computed != e["hash"]:
            return self.fail(seq, "hash_mismatch", "hash does not match content")
        if self.hash is not None and e["prev"] != self.hash:
            return self.fail(seq, "broken_link", "prev is not the hash of entry %d" % (seq - 1))
        if any(h != e["hash"] for h in self.named.get(seq, [])):
            return self.fail(seq, "checkpoint_mismatch", "a signed checkpoint names a different hash")
        if self.count == 0:
            self.first_ts = e["ts"]
        self.seq, self.hash = seq, e["hash"]
        self.count += 1

    def result(self, expected, now, max_age):
        if self.failure is None and self.count == 0 and (self.checkpoints > 0 or expected):
            self.fail(1, "missing_chain", "no entries in the export, but the chain has checkpoints or is expected")
        last = self.seq or 0
        if self.failure is None and self.max_cp > last:
            self.fail(last + 1, "truncated", "a signed checkpoint names entry %d; the export ends at %d" % (self.max_cp, last))
        if self.failure is None and max_age is not None and self.count > 0:
            cutoff = now - max_age
            if self.newest is not None and self.newest[0] < cutoff:
                self.fail(self.newest[1], "stale_checkpoint", "the newest signed checkpoint (%s) is older than %d ms" % (self.newest[2], max_age))
            elif self.newest is None and millis(self.first_ts) < cutoff:
                self.fail(1, "stale_checkpoint", "no signed checkpoint, and entry 1 is older than %d ms" % max_age)
        failures = [f for f in (self.failure, self.bad) if f is not None]
        return min(failures, key=lambda f: f[0]) if failures else None


def read_lines(stream):
    """Yields (number, line, complete) for each line; a line is complete when it ends with a newline."""
    number = 0
    for line in stream:
        number += 1
        yield number, line.rstrip("\n"), line.endswith("\n")


def verify(stream, trusted=None, expected=(), max_age=None):
    chains = {}
    order = []
    end = None
    counted = {"checkpoints": 0, "entries": 0}
    last_number = 0
    cut = None  # why the export is incomplete, if it is

    def chain_of(name):
        if name not in chains:
            chains[name] = Chain()
            order.append(name)
        return chains[name]

    try:
        for number, line, complete in read_lines(stream):
            last_number = number
            if not complete:
                cut = "line %d is incomplete (no newline)" % number
                break
            if end is not None:
                print("FAIL: line %d malformed: a line after the end line" % number)
                return 1
            try:
                item = parse(line)
                if isinstance(item, dict) and set(item.keys()) == {"export_end"}:
                    end = item["export_end"]
                    continue
                if isinstance(item, dict) and set(item.keys()) == {"checkpoint"}:
                    cp = item["checkpoint"]
                    name = cp.get("chain") if isinstance(cp, dict) else None
                    if not isinstance(name, str):
                        raise Invalid("checkpoint without a chain")
                    if chain_of(name).count > 0 or chain_of(name).failure:
                        raise Invalid("checkpoint after the chain's entries")
                    chain_of(name).add_checkpoint(cp, trusted)
                    counted["checkpoints"] += 1
                    continue
                check_shape(item)
            except (Invalid, ValueError) as err:
                print("FAIL: line %d malformed: %s" % (number, err))
                return 1
            chain_of(item["chain"]).add_entry(item)
            counted["entries"] += 1
    except UnicodeDecodeError:
        print("FAIL: line %d malformed: not UTF-8" % (last_number + 1))
        return 1
    if last_number == 0:
        print("FAIL: export is empty")
        return 1
    if cut is None and end is None:
        cut = "no end line after line %d" % last_number
    elif cut is None and (
        not isinstance(end, dict) or end.get("entries") != counted["entries"] or end.get("checkpoints") != counted["checkpoints"]
    ):
        cut = "the end line counts %s, the export holds %s" % (jcs(end), jcs(counted))
    if trusted is None and any(c.checkpoints or c.bad for c in chains.values()):
        print("warning: no --trusted-key: checkpoints were checked against the keys they carry", file=sys.stderr)
    now = millis(end.get("exported_at")) if isinstance(end, dict) else float("-inf")
    for name in expected:
        chain_of(name)
    status = 0
    for name in order:
        state = chains[name]
        failure = state.result(name in expected, now, max_age)
        if failure:
            print("FAIL: %s seq %d %s: %s" % (name, failure[0], failure[1], failure[2]))
            status = 1
        else:
            print("ok: %s %d entries, head %s" % (name, state.count, state.hash))
    if cut is not None:
        print("FAIL: export truncated: %s" % cut)
        status = 1
    return status


def main(argv):
    if len(argv) == 3 and argv[1] == "--canonicalize":
        with open(argv[2], encoding="utf-8") as f:
            sys.stdout.buffer.write(jcs(parse(f.read())).encode("utf-8"))
        return 0
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("export")
    parser.add_argument("--trusted-key", action="append", default=[])
    parser.add_argument("--expect-chain", action="append", default=[])
    parser.add_argument("--max-checkpoint-age", type=int)
    parser.add_argument("--pure-python", action="store_true", help="never use the cryptography package")
    args = parser.parse_args(argv[1:])
    global ED25519_NATIVE
    ED25519_NATIVE = None if args.pure_python else native_verifier()
    try:
        trusted = {key_id_of(raw): raw for raw in map(read_public_key, args.trusted_key)} or None
    except (OSError, Invalid, ValueError) as err:
        print("verify-export: %s" % err, file=sys.stderr)
        return 2
    if args.export == "-":
        return verify(io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", newline=""), trusted, args.expect_chain, args.max_checkpoint_age)
    with open(args.export, encoding="utf-8", newline="") as f:
        return verify(f, trusted, args.expect_chain, args.max_checkpoint_age)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
