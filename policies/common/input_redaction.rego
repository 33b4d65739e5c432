# Redaction outside the arguments: input.context. Arbiter stores the whole input with every decision,
# and context is free-form, so the same detectors (secret and redaction patterns) run over every string
# and number in it (except context.time, which Arbiter itself sets), and context fields named like a
# redaction field, or like a credential field with a value, are hidden whole. Pointers are rooted at
# the input document ("/context/note"); package arbiter returns them as the decision's redact_input.
#
# The identity strings (tool, agent, principal, session) are checked by Arbiter itself with the
# arbiter/scan entry point (scan.rego), once per distinct set of strings rather than on every decision:
# they repeat from call to call, and scanning them here would cost as much as the rest of the packs.
package arbiter.common

redact_input contains pointer(array.concat(["context"], path)) if {
	context_beyond_time
	walk(input.context, [path, value])
	sensitive_context_node(path, value)
}

# Most calls carry no context but the time Arbiter sets: then there is nothing to walk.
context_beyond_time if {
	some key, _ in input.context
	key != "time"
}

sensitive_context_node(path, value) if {
	path != ["time"]
	sensitive_text(value)
}

sensitive_context_node(_, value) if {
	is_number(value)
	sensitive_text(json.marshal(value))
}

sensitive_context_node(path, value) if {
	key := path[count(path) - 1]
	is_string(key)
	sensitive_field(lower(key), value)
}

sensitive_field(name, _) if name in data.redaction.fields

sensitive_field(name, value) if {
	name in data.secrets.fields
	not blank(value)
}

# Every detector: the secret patterns and the redaction patterns (see data.json).
detectors := array.concat(data.secrets.patterns, data.redaction.patterns)

# A string any detector flags (undefined for anything that is not a string).
sensitive_text(text) if {
	is_string(text)
	shape := shape_of(text)
	some pattern in detectors
	matches(pattern, text, shape)
}
