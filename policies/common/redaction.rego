# Redaction for the audit ledger: account numbers, IBANs, national ids and patient ids are hidden by
# JSON pointer, found by field name (data.redaction.fields) or by value shape (data.redaction.patterns,
# which also catches them inside free text such as an e-mail body). A field already redacted by
# name is not scanned again.
package arbiter.common

redact contains ptr if redacted_by_field[ptr]

redacted_by_field contains ptr if {
	some ptr, field in argument_fields
	field in data.redaction.fields
}

redact contains ptr if {
	some ptr, value in argument_strings
	not redacted_by_field[ptr]
	shape := shape_of(value)
	some pattern in data.redaction.patterns
	matches(pattern, value, shape)
}
