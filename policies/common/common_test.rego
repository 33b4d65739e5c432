package arbiter.common_test

import data.arbiter.fixtures as fx

search(args) := fx.fin("web.search", ["teller"], args)

decide(call) := d if {
	d := data.arbiter.decision with input as call
}

# --- common.tool_allowlist / common.default_deny ---------------------------------------------

test_allowlisted_tool_is_allowed if {
	d := decide(search({"query": "euro exchange rate today"}))
	d.action == "allow"
	d.reasons == [{"rule": "common.tool_allowlist", "message": "tool web.search is allowed for agent fin-assistant"}]
}

test_tool_not_on_the_agents_allowlist_is_denied if {
	d := decide(fx.fin("trading.place_order", ["trader"], fx.order("MSFT", "buy", 10)))
		with data.agents["fin-assistant"].tools as ["web.search"]
	d.action == "deny"
	d.reasons == [{"rule": "common.default_deny", "message": "no rule allows tool trading.place_order for agent fin-assistant"}]
}

# --- common.tool_requires_approval ------------------------------------------------------------

test_agent_tool_that_needs_approval if {
	d := decide(fx.fin("email.send", ["teller"], {"to": "client@example.com", "subject": "Statement", "body": "Attached."}))
	d.action == "require_approval"
	d.approval == {"roles": ["compliance_officer"], "count": 1}
	fx.rules(d) == {"common.tool_requires_approval"}
}

test_same_tool_for_an_agent_without_the_requirement_is_allowed if {
	d := decide(fx.care("email.send", "dr-chen", ["clinician"], {"to": "team@example.com", "subject": "Rota", "body": "Shift swap", "deidentified": true}))
	d.action == "allow"
}

# --- common.secret_in_arguments ---------------------------------------------------------------

secret_denied(args) if {
	d := decide(search(args))
	d.action == "deny"
	fx.rules(d) == {"common.secret_in_arguments"}
}

test_aws_access_key_is_denied if secret_denied({"query": "use AKIAIOSFODNN7EXAMPLE to log in"})

test_api_secret_key_is_denied if secret_denied({"query": "sk-proj-abcdefghijklmnopqrstuvwxyz123456"})

test_private_key_is_denied if secret_denied({"query": "-----BEGIN RSA PRIVATE KEY-----\nMIIE..."})

test_github_token_is_denied if secret_denied({"query": "ghp_abcdefghijklmnopqrstuvwxyz0123456789"})

test_slack_token_is_denied if secret_denied({"query": "xoxb-123456789012-abcdef"})

test_secret_nested_in_arrays_is_located_by_pointer if {
	d := decide(search({"query": "q", "filters": [{"note": "ok"}, {"note": "key AKIAIOSFODNN7EXAMPLE"}]}))
	d.reasons[0].message == "arguments contain a AWS access key id at /filters/1/note; credentials must never be passed to tools"
}

test_credential_field_is_denied if {
	d := decide(search({"query": "login", "Password": "hunter2"}))
	d.action == "deny"
	d.reasons == [{"rule": "common.secret_in_arguments", "message": "argument /Password is a credential field; credentials must never be passed to tools"}]
}

test_empty_credential_field_is_allowed if {
	decide(search({"query": "reset my password", "password": ""})).action == "allow"
	decide(search({"query": "reset my password", "password": null})).action == "allow"
}

test_nested_credential_field_is_denied if {
	d := decide(search({"query": "q", "auth": {"api_key": {"value": "abc"}}}))
	d.reasons == [{"rule": "common.secret_in_arguments", "message": "argument /auth/api_key is a credential field; credentials must never be passed to tools"}]
}

test_marker_without_a_secret_is_allowed if {
	decide(search({"query": "ask-me about sk-tiny and AKIA codes"})).action == "allow"
}

# --- redaction ----------------------------------------------------------------------------------

test_redacts_account_fields_by_name if {
	d := decide(fx.fin("accounts.get_balance", ["teller"], {"account_number": "4401778812"}))
	d.action == "allow"
	d.redact == ["/account_number"]
}

test_redacts_identifiers_inside_free_text if {
	d := decide(search({
		"query": "wire to DE89370400440532013000",
		"notes": ["ssn 078-05-1120", "see MRN-004211", "acct 12345678901", "nothing here 2026"],
	}))
	d.redact == ["/notes/0", "/notes/1", "/notes/2", "/query"]
}

test_escapes_json_pointer_tokens if {
	d := decide(search({"query": "q", "a/b": {"c~d": {"iban": "x"}}}))
	d.redact == ["/a~1b/c~0d/iban"]
}

test_plain_arguments_are_not_redacted if {
	decide(search({"query": "best savings rates 2026"})).redact == []
}

# --- deep and wide arguments (the helpers must stay linear in their size) ------------------------

# `inner` wrapped in `depth` arrays: nested(2, "x") = [["x"]].
nested(depth, inner) := json.unmarshal(concat("", [
	concat("", ["[" | some _ in numbers.range(1, depth)]),
	json.marshal(inner),
	concat("", ["]" | some _ in numbers.range(1, depth)]),
]))

# `inner` under `depth` objects {"a": …}.
under(depth, inner) := json.unmarshal(concat("", [
	concat("", ["{\"a\":" | some _ in numbers.range(1, depth)]),
	json.marshal(inner),
	concat("", ["}" | some _ in numbers.range(1, depth)]),
]))

# The pointer of a value `n` levels down in nested(n, _) (zeros) or under(n, _) (a_path).
zeros(n) := concat("", ["/0" | some _ in numbers.range(1, n)])

a_path(n) := concat("", ["/a" | some _ in numbers.range(1, n)])

test_secret_deep_in_nested_arrays_is_located_by_pointer if {
	d := decide(search({"query": "q", "deep": nested(200, "key AKIAIOSFODNN7EXAMPLE")}))
	d.reasons == [{"rule": "common.secret_in_arguments", "message": concat("", ["arguments contain a AWS access key id at /deep", zeros(200), "; credentials must never be passed to tools"])}]
}

test_credential_field_deep_in_nested_objects_is_denied if {
	d := decide(search({"query": "q", "a": under(199, {"Password": "hunter2"})}))
	d.reasons == [{"rule": "common.secret_in_arguments", "message": concat("", ["argument ", a_path(200), "/Password is a credential field; credentials must never be passed to tools"])}]
}

test_redacts_deep_values_by_name_and_by_shape if {
	d := decide(fx.fin("accounts.get_balance", ["teller"], {"a": under(99, {"iban": "x", "note": ["ssn 078-05-1120"]})}))
	d.action == "allow"
	d.redact == [concat("", [a_path(100), "/iban"]), concat("", [a_path(100), "/note/0"])]
}

test_deep_arguments_without_findings_are_allowed if {
	decide(search({"query": "q", "deep": nested(300, "plain text"), "a": under(150, [1, 2, 3])})).action == "allow"
}

test_finds_the_one_secret_among_a_hundred_strings if {
	notes := [note | some i in numbers.range(0, 99); note := sprintf("note %d", [i])]
	d := decide(search({"query": "q", "notes": array.concat(notes, ["ghp_abcdefghijklmnopqrstuvwxyz0123456789"])}))
	d.reasons == [{"rule": "common.secret_in_arguments", "message": "arguments contain a GitHub token at /notes/100; credentials must never be passed to tools"}]
}
