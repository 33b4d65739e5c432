package arbiter.health.records_test

import data.arbiter.fixtures as fx

read_as(principal, roles, args) := d if {
	d := data.arbiter.decision with input as fx.care("ehr.read_record", principal, roles, args)
}

justification := "patient unconscious in ED, allergy history needed now"

# --- health.care_relationship -------------------------------------------------------------------

test_clinician_with_active_relationship_is_allowed if {
	d := read_as("dr-chen", ["clinician"], fx.read("MRN-004211", "treatment"))
	d.action == "allow"
	d.redact == ["/patient_id"]
}

test_nurse_with_active_relationship_is_allowed if {
	read_as("nurse-okafor", ["nurse"], fx.read("MRN-004211", "medication_review")).action == "allow"
}

test_no_relationship_with_this_patient_is_denied if {
	d := read_as("dr-chen", ["clinician"], fx.read("MRN-005120", "treatment"))
	d.action == "deny"
	fx.rules(d) == {"health.care_relationship"}
}

test_inactive_relationship_is_denied if {
	fx.rules(read_as("dr-silva", ["clinician"], fx.read("MRN-005120", "treatment"))) == {"health.care_relationship"}
}

test_relationship_ends_after_its_until_day if {
	fx.rules(read_as("dr-chen", ["clinician"], fx.read("MRN-007730", "treatment"))) == {"health.care_relationship"}
	d := data.arbiter.decision with input as fx.at(fx.care("ehr.read_record", "dr-chen", ["clinician"], fx.read("MRN-007730", "treatment")), "2026-06-30T23:59:00.000Z")
	d.action == "allow"
}

# --- health.clinical_role_required --------------------------------------------------------------

test_non_clinical_role_is_denied if {
	d := read_as("dr-chen", ["billing"], fx.read("MRN-004211", "treatment"))
	d.reasons == [{"rule": "health.clinical_role_required", "message": "principal dr-chen has no clinical role"}]
}

# --- health.purpose_of_use ----------------------------------------------------------------------

test_unlisted_purpose_is_denied if {
	d := read_as("dr-chen", ["clinician"], fx.read("MRN-004211", "research"))
	d.reasons == [{"rule": "health.purpose_of_use", "message": "purpose /purpose is not a permitted purpose of use (treatment, care_coordination, medication_review)"}]
}

test_missing_purpose_is_denied if {
	fx.rules(read_as("dr-chen", ["clinician"], {"patient_id": "MRN-004211"})) == {"health.purpose_of_use"}
}

# --- health.break_glass / health.break_glass_justification ---------------------------------------

test_break_glass_with_justification_requires_privacy_officer_approval if {
	args := object.union(fx.read("MRN-005120", "treatment"), {"break_glass": true, "justification": justification})
	d := read_as("dr-chen", ["clinician"], args)
	d.action == "require_approval"
	d.approval == {"roles": ["privacy_officer"], "count": 1}
	fx.rules(d) == {"health.break_glass"}
}

test_break_glass_without_justification_is_denied if {
	args := object.union(fx.read("MRN-005120", "treatment"), {"break_glass": true})
	fx.rules(read_as("dr-chen", ["clinician"], args)) == {"health.break_glass_justification"}
}

test_break_glass_with_a_token_justification_is_denied if {
	args := object.union(fx.read("MRN-005120", "treatment"), {"break_glass": true, "justification": "   urgent    "})
	fx.rules(read_as("dr-chen", ["clinician"], args)) == {"health.break_glass_justification"}
}

test_break_glass_still_needs_a_clinical_role if {
	args := object.union(fx.read("MRN-005120", "treatment"), {"break_glass": true, "justification": justification})
	fx.rules(read_as("dr-chen", ["billing"], args)) == {"health.clinical_role_required"}
}

test_break_glass_flag_must_be_true_not_truthy if {
	args := object.union(fx.read("MRN-005120", "treatment"), {"break_glass": "yes", "justification": justification})
	fx.rules(read_as("dr-chen", ["clinician"], args)) == {"health.care_relationship"}
}
