# Redaction for the audit ledger: account numbers, IBANs, national ids and patient ids are hidden by
# JSON pointer, found by field name (data.redaction.fields, whatever the value's type) or by value
# shape (data.redaction.patterns, which also catches them inside free text such as an e-mail body,
# and in numbers: an account number sent as 4401778812 is still an account number). A field already
# redacted by name is not scanned again. Secrets (secrets.rego) are redacted too.
package arbiter.common

redact contains pointer(path) if {
	some [path, field, _] in argument_fields
	field in data.redaction.fields
}

redact contains pointer(path) if {
	some [path, value] in argument_strings
	not redacted_by_name(path)
	redaction_shaped(value)
}

redact contains pointer(path) if {
	some [path, value] in argument_nodes
	is_number(value)
	not redacted_by_name(path)
	redaction_shaped(json.marshal(value))
}

# Tests the path's last key only (a lookup by the whole path would cost its depth per string).
redacted_by_name(path) if {
	key := path[count(path) - 1]
	is_string(key)
	lower(key) in data.redaction.fields
}

redaction_shaped(text) if {
	shape := shape_of(text)
	some pattern in data.redaction.patterns
	matches(pattern, text, shape)
}
