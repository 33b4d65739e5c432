# Redaction for the audit ledger: account numbers, IBANs, national ids and patient ids are hidden by
# JSON pointer, found by field name (data.redaction.fields) or by value shape (data.redaction.patterns,
# which also catches them inside free text such as an e-mail body). A field already redacted by
# name is not scanned again.
package arbiter.common

redact contains pointer(path) if {
	some [path, field, _] in argument_fields
	field in data.redaction.fields
}

redact contains pointer(path) if {
	some [path, value] in argument_strings
	not redacted_by_name(path)
	shape := shape_of(value)
	some pattern in data.redaction.patterns
	matches(pattern, value, shape)
}

# Tests the path's last key only (a lookup by the whole path would cost its depth per string).
redacted_by_name(path) if {
	key := path[count(path) - 1]
	is_string(key)
	lower(key) in data.redaction.fields
}
