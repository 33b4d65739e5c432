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

# --- secrets are redacted as well as denied ------------------------------------------------------

test_detected_secrets_are_redacted if {
	d := decide(search({
		"query": "use AKIAIOSFODNN7EXAMPLE",
		"login": {"password": "hunter2", "passphrase": ""},
		"pem": ["-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----"],
	}))
	d.action == "deny"
	d.redact == ["/login/password", "/pem/0", "/query"]
}

test_credential_field_holding_an_object_is_redacted_whole if {
	decide(search({"query": "q", "auth": {"api_key": {"value": "abc"}}})).redact == ["/auth/api_key"]
}

# --- numbers ------------------------------------------------------------------------------------

test_number_shaped_like_an_account_number_is_redacted if {
	d := decide(fx.fin("accounts.get_balance", ["teller"], {"account": 4401778812, "ref": 12345, "ssn": 78051120}))
	d.redact == ["/account", "/ssn"]
}

# --- redact_input: the rest of the input --------------------------------------------------------

with_input(call, path, value) := json.patch(call, [{"op": "add", "path": path, "value": value}])

test_plain_context_is_not_redacted if {
	d := decide(with_input(search({"query": "q"}), "/context/note", "weekly report 2026"))
	d.redact_input == []
}

# Identity strings are Arbiter's to scan (with arbiter/scan), not the decision's.
test_identity_strings_are_left_to_the_scan_entry_point if {
	call := with_input(search({"query": "q"}), "/principal/id", "078-05-1120")
	decide(call).redact_input == []
	scan([call.principal.id]).findings == [{"detector": "US social security number", "match": "078-05-1120", "text": 0}]
}

test_context_strings_numbers_and_fields_are_redacted if {
	call := with_input(search({"query": "q"}), "/context", {
		"time": "2026-11-25T15:00:00.000Z",
		"note": "customer DE89370400440532013000",
		"ticket": {"account": 4401778812, "count": 3},
		"iban": 12,
		"crm": [{"password": "hunter2"}, {"password": ""}, {"a/b": "sk-proj-abcdefghijklmnopqrstuvwxyz"}],
	})
	decide(call).redact_input == ["/context/crm/0/password", "/context/crm/2/a~1b", "/context/iban", "/context/note", "/context/ticket/account"]
}

test_the_time_arbiter_sets_is_never_redacted if {
	decide(with_input(search({"query": "q"}), "/context/time", "4401778812")).redact_input == []
}

# --- arbiter/scan: free text --------------------------------------------------------------------

scan(texts) := result if {
	result := data.arbiter.scan with input as {"texts": texts}
}

test_scan_finds_every_detected_substring if {
	result := scan([
		"account 4401778812 and 78051120123 frozen",
		"nothing to see",
		"key -----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaA\n-----END OPENSSH PRIVATE KEY----- leaked",
	])
	result.findings == [
		{"detector": "account number", "match": "4401778812", "text": 0},
		{"detector": "account number", "match": "78051120123", "text": 0},
		{"detector": "private key", "match": "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaA\n-----END OPENSSH PRIVATE KEY-----", "text": 2},
	]
}

test_scan_of_nothing_finds_nothing if {
	scan([]).findings == []
	scan(["", "plain words"]).findings == []
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
