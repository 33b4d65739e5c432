# ehr.read_record {patient_id, purpose, break_glass?, justification?}: minimum necessary access.
# Only clinical roles, only for a recognised purpose of use, and only for patients the principal has
# an active care relationship with (data.health.care_relationships). Break-glass access skips the
# relationship check but needs a written justification and a privacy officer's approval.
package arbiter.health

is_record_read if input.tool.name == "ehr.read_record"

request := input.arguments

break_glass if request.break_glass == true

deny contains {
	"rule": "health.clinical_role_required",
	"message": concat("", ["principal ", input.principal.id, " has no clinical role"]),
} if {
	is_record_read
	count({r | some r in input.principal.roles} & {r | some r in data.health.clinical_roles}) == 0
}

deny contains {
	"rule": "health.purpose_of_use",
	"message": concat("", [
		"purpose /purpose is not a permitted purpose of use (",
		concat(", ", data.health.purposes_of_use), ")",
	]),
} if {
	is_record_read
	not permitted_purpose
}

permitted_purpose if request.purpose in data.health.purposes_of_use

today := substring(input.context.time, 0, 10)

active_relationship if {
	some rel in data.health.care_relationships[input.principal.id]
	rel.patient_id == request.patient_id
	rel.active == true
	current(rel)
}

# A relationship without an end date is current; one with `until` (YYYY-MM-DD) ends after that day.
current(rel) if not rel.until

current(rel) if today <= rel.until

deny contains {
	"rule": "health.care_relationship",
	"message": concat("", [
		"principal ", input.principal.id, " has no active care relationship with the patient",
		"; use break_glass with a justification in an emergency",
	]),
} if {
	is_record_read
	not break_glass
	not active_relationship
}

justified if {
	is_string(request.justification)
	count(trim_space(request.justification)) >= data.health.break_glass.min_justification_chars
}

deny contains {
	"rule": "health.break_glass_justification",
	"message": concat("", [
		"break-glass access needs a justification of at least ",
		format_int(data.health.break_glass.min_justification_chars, 10), " characters",
	]),
} if {
	is_record_read
	break_glass
	not justified
}

approval contains {
	"rule": "health.break_glass",
	"message": "break-glass access to a patient record needs approval by a privacy officer",
	"roles": data.health.break_glass.approver_roles,
	"count": data.health.break_glass.approvals,
} if {
	is_record_read
	break_glass
	justified
}
