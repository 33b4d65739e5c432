# No secrets or credentials in tool arguments: well-known key formats anywhere in any string
# (data.secrets.patterns) and non-empty credential fields (data.secrets.fields).
# Messages name where the secret is, never the secret itself, and every finding is also redacted:
# a denied call is still recorded, and the ledger must never hold the credential.
package arbiter.common

# [pointer, pattern name] of every string holding a well-known key format.
secret_strings contains [ptr, pattern.name] if {
	some ptr, value in argument_strings
	some pattern in data.secrets.patterns
	matches(pattern, value, "")
}

# Pointers of non-empty credential fields (the whole value, whatever its type).
credential_fields contains ptr if {
	some ptr, field in argument_fields
	field in data.secrets.fields
	not blank(argument_nodes[ptr][1])
}

deny contains {
	"rule": "common.secret_in_arguments",
	"message": concat("", ["arguments contain a ", name, " at ", ptr, "; credentials must never be passed to tools"]),
} if {
	some [ptr, name] in secret_strings
}

deny contains {
	"rule": "common.secret_in_arguments",
	"message": concat("", ["argument ", ptr, " is a credential field; credentials must never be passed to tools"]),
} if {
	some ptr in credential_fields
}

redact contains ptr if some [ptr, _] in secret_strings

redact contains ptr if some ptr in credential_fields

# An empty or null field called "password" carries no secret.
blank(value) if value in {"", null}
