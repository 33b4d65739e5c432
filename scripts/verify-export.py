#!/usr/bin/env python3
"""Independent verifier for Arbiter ledger JSONL exports.

Written from docs/ledger-format.md alone (no Arbiter code): it re-implements RFC 8785 (JCS) for JSON
values, recomputes every entry hash and checks seq continuity and prev links per chain.

  python3 scripts/verify-export.py export.jsonl        # or '-' for stdin
  python3 scripts/verify-export.py --canonicalize in.json   # print the JCS form of a JSON file

Exit 0 and 'ok: <chain> <count> entries, head <hash>' per chain; else exit 1 and
'FAIL: <chain> seq <n> <kind>: <message>' for the first failure of each failing chain.
An export that starts after seq 1 (--from-seq) cannot check the first entry's prev link.
"""
import hashlib
import json
import math
import re
import sys

GENESIS = "0" * 64
HEX64 = re.compile(r"^[0-9a-f]{64}$")
TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
KEYS = {"v", "chain", "seq", "ts", "type", "body", "prev", "hash"}


class Invalid(Exception):
    pass


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


def jcs(value):
    """RFC 8785 canonical JSON text of a parsed JSON value."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        return es_number(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ",".join(jcs(v) for v in value) + "]"
    if isinstance(value, dict):
        keys = sorted(value.keys(), key=lambda k: k.encode("utf-16-be", "surrogatepass"))
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + jcs(value[k]) for k in keys) + "}"
    raise Invalid("not a JSON value")


def no_duplicates(pairs):
    obj = {}
    for key, val in pairs:
        if key in obj:
            raise Invalid("duplicate member " + key)
        obj[key] = val
    return obj


def reject_constant(name):
    raise Invalid(name + " is not JSON")


def parse(text):
    return json.loads(text, object_pairs_hook=no_duplicates, parse_constant=reject_constant)


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def check_shape(e):
    if not isinstance(e, dict) or set(e.keys()) != KEYS:
        raise Invalid("line is not an object with exactly the v1 members plus hash")
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


def verify(lines):
    chains = {}  # chain -> {"count", "seq", "hash", "failure"}
    order = []
    for number, line in enumerate(lines, 1):
        line = line.rstrip("\n")
        if not line:
            continue
        try:
            e = parse(line)
            check_shape(e)
        except (Invalid, ValueError) as err:
            print("FAIL: line %d malformed: %s" % (number, err))
            return 1
        state = chains.get(e["chain"])
        if state is None:
            state = chains[e["chain"]] = {"count": 0, "seq": None, "hash": None, "failure": None}
            order.append(e["chain"])
        if state["failure"]:
            continue
        seq = e["seq"]

        def fail(at, kind, message):
            state["failure"] = "seq %d %s: %s" % (at, kind, message)

        try:
            computed = entry_hash(e)
        except (Invalid, UnicodeEncodeError) as err:
            fail(seq, "hash_mismatch", "entry cannot be canonicalised: %s" % err)
            continue
        if state["seq"] is None:
            if seq == 1 and e["prev"] != GENESIS:
                fail(seq, "broken_link", "first entry must have prev = 64 zeros")
                continue
        elif seq > state["seq"] + 1:
            fail(state["seq"] + 1, "gap", "entry %d is missing" % (state["seq"] + 1))
            continue
        elif seq != state["seq"] + 1:
            fail(seq, "broken_link", "entry %d out of order" % seq)
            continue
        if computed != e["hash"]:
            fail(seq, "hash_mismatch", "hash does not match content")
            continue
        if state["hash"] is not None and e["prev"] != state["hash"]:
            fail(seq, "broken_link", "prev is not the hash of entry %d" % (seq - 1))
            continue
        state["seq"], state["hash"] = seq, e["hash"]
        state["count"] += 1
    status = 0
    for chain in order:
        state = chains[chain]
        if state["failure"]:
            print("FAIL: %s %s" % (chain, state["failure"]))
            status = 1
        else:
            print("ok: %s %d entries, head %s" % (chain, state["count"], state["hash"]))
    return status


def main(argv):
    if len(argv) == 3 and argv[1] == "--canonicalize":
        with open(argv[2], encoding="utf-8") as f:
            sys.stdout.buffer.write(jcs(parse(f.read())).encode("utf-8"))
        return 0
    if len(argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    if argv[1] == "-":
        return verify(sys.stdin)
    with open(argv[1], encoding="utf-8") as f:
        return verify(f)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
