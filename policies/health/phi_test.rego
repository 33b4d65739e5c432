package arbiter.health.phi_test

import data.arbiter.fixtures as fx

decide(call) := d if {
	d := data.arbiter.decision with input as call
}

email(args) := fx.care("email.send", "dr-chen", ["clinician"], args)

# --- health.phi_external ------------------------------------------------------------------------

test_phi_agent_email_without_the_deidentified_flag_is_denied if {
	d := decide(email({"to": "family@example.com", "subject": "Update", "body": "Your father is stable."}))
	d.action == "deny"
	fx.rules(d) == {"health.phi_external"}
}

test_phi_agent_email_flagged_deidentified_is_allowed if {
	d := decide(email({"to": "family@example.com", "subject": "Update", "body": "Visiting hours are 2-6pm.", "deidentified": true}))
	d.action == "allow"
}

test_phi_agent_web_search_needs_the_flag_too if {
	fx.rules(decide(fx.care("web.search", "dr-chen", ["clinician"], {"query": "amoxicillin paediatric dose"}))) == {"health.phi_external"}
	decide(fx.care("web.search", "dr-chen", ["clinician"], {"query": "amoxicillin paediatric dose", "deidentified": true})).action == "allow"
}

test_truthy_flag_is_not_enough if {
	fx.rules(decide(email({"to": "a@example.com", "body": "x", "deidentified": "true"}))) == {"health.phi_external"}
}

test_agent_without_phi_needs_no_flag if {
	decide(fx.fin("web.search", ["teller"], {"query": "mortgage rates"})).action == "allow"
}

# --- health.phi_identifier ----------------------------------------------------------------------

test_patient_id_in_flagged_email_is_denied if {
	d := decide(email({"to": "a@example.com", "subject": "Labs", "body": "Results for MRN-004211 attached", "deidentified": true}))
	d.action == "deny"
	d.reasons == [{"rule": "health.phi_identifier", "message": "argument /body contains a patient id; identifiers must not leave through email.send"}]
	d.redact == ["/body"]
}

test_ssn_sent_by_any_agent_to_an_external_tool_is_denied if {
	d := decide(fx.fin("web.search", ["teller"], {"query": "credit report 078-05-1120"}))
	fx.rules(d) == {"health.phi_identifier"}
}

test_identifiers_to_internal_tools_are_not_phi_external if {
	d := decide(fx.care("ehr.read_record", "dr-chen", ["clinician"], fx.read("MRN-004211", "treatment")))
	d.action == "allow"
}
