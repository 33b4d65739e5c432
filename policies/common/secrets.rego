# No secrets or credentials in tool arguments: well-known key formats anywhere in any string
# (data.secrets.patterns) and non-empty credential fields (data.secrets.fields).
# Messages name where the secret is, never the secret itself, and every finding is also redacted:
# a denied call is still recorded, and the ledger must never hold the credential.
package arbiter.common

# [path, pattern name] of every string holding a well-known key format.
secret_strings contains [path, pattern.name] if {
	some [path, value] in argument_strings
	some pattern in data.secrets.patterns
	matches(pattern, value, "")
}

# Paths of non-empty credential fields (the whole value, whatever its type).
credential_fields contains path if {
	some [path, field, value] in argument_fields
	field in data.secrets.fields
	not blank(value)
}

deny contains {
	"rule": "common.secret_in_arguments",
	"message": concat("", ["arguments contain a ", name, " at ", pointer(path), "; credentials must never be passed to tools"]),
} if {
	some [path, name] in secret_strings
}

deny contains {
	"rule": "common.secret_in_arguments",
	"message": concat("", ["argument ", pointer(path), " is a credential field; credentials must never be passed to tools"]),
} if {
	some path in credential_fields
}

redact contains pointer(path) if some [path, _] in secret_strings

redact contains pointer(path) if some path in credential_fields

# An empty or null field called "password" carries no secret.
blank(value) if value in {"", null}
