# No secrets or credentials in tool arguments: well-known key formats anywhere in any string
# (data.secrets.patterns) and non-empty credential fields (data.secrets.fields).
# Messages name where the secret is, never the secret itself.
package arbiter.common

deny contains {
	"rule": "common.secret_in_arguments",
	"message": concat("", ["arguments contain a ", pattern.name, " at ", pointer(path), "; credentials must never be passed to tools"]),
} if {
	some [path, value] in argument_strings
	some pattern in data.secrets.patterns
	matches(pattern, value, "")
}

deny contains {
	"rule": "common.secret_in_arguments",
	"message": concat("", ["argument ", pointer(path), " is a credential field; credentials must never be passed to tools"]),
} if {
	some [path, field, value] in argument_fields
	field in data.secrets.fields
	not blank(value)
}

# An empty or null field called "password" carries no secret.
blank(value) if value in {"", null}
