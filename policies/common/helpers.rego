# Shared helpers: one walk over the arguments that the secret, redaction and PHI rules all reuse (a
# rule's value is computed once per evaluation), and JSON pointers to report where something is.
#
# The arguments are attacker-controlled, so the cost must stay linear in their size: the walk is
# collected into arrays (a set or an object keyed by path would hash every path, whose length grows
# with depth), and a pointer is built only for the few nodes a rule reports, never for every node.
package arbiter.common

# The calling agent's entry in data.agents (undefined for an unknown agent).
agent := data.agents[input.agent.id]

# RFC 6901 pointer for a walk() path: ["to", 0, "a/b"] -> "/to/0/a~1b".
pointer(path) := concat("", ["/", concat("/", [token(k) | some k in path])])

token(k) := replace(replace(k, "~", "~0"), "/", "~1") if is_string(k)

token(k) := format_int(k, 10) if is_number(k)

# One walk over the arguments: every node below the root as [path, value].
argument_nodes := [[path, value] |
	walk(input.arguments, [path, value])
	count(path) > 0
]

# Every string anywhere in the arguments, as [path, value].
argument_strings := [[path, value] |
	some [path, value] in argument_nodes
	is_string(value)
]

# Every member anywhere in the arguments, as [path, lower-cased name, value].
argument_fields := [[path, lower(key), value] |
	some [path, value] in argument_nodes
	key := path[count(path) - 1]
	is_string(key)
]

# Numbers in messages without sprintf (a slow host call in opa-wasm).
num(x) := json.marshal(x)

# The JSON type of obj[key] for a message ("null" when missing), never the value itself: argument
# values may be exactly what the ledger must not hold (an SSN passed as an amount). Undefined values
# would silently drop the whole reason, hence object.get.
type_of(obj, key) := type_name(object.get(obj, key, null))

# Regex compilation in OPA-WASM is not cached between evaluations and costs tens of microseconds per
# pattern, so every pattern in data is gated by a cheap test first and its regex only confirms:
#   markers:      one of these literals occurs in the string ("MRN-", "AKIA", ...)
#   digit_shapes: the string's shape (see shape_of) contains one of these ("###-##-####")
matches(pattern, value, _) if {
	some marker in pattern.markers
	contains(value, marker)
	regex.match(pattern.regex, value)
}

matches(pattern, value, shape) if {
	some digits in pattern.digit_shapes
	contains(shape, digits)
	regex.match(pattern.regex, value)
}

# The string with every digit replaced by "#": "MRN-004211" -> "MRN-######". Callers compute it once
# per string, before looping over patterns.
shape_of(value) := strings.replace_n(digit_mask, value)

digit_mask := {d: "#" | some d in ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]}
