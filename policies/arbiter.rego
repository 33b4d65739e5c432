# Entry point of every Arbiter bundle: `opa build -e arbiter/decision`.
#
# Packs contribute sets to package arbiter.<pack>:
#   allow    - reasons a call may run          {"rule", "message"}
#   deny     - reasons a call must not run     {"rule", "message"}
#   approval - reasons it needs a human first  {"rule", "message", "roles", "count"}
#   redact   - JSON pointers into input.arguments to hide in the audit ledger
#   redact_input - JSON pointers into the whole input (e.g. /context/note) to hide likewise
# A pack only defines the sets it uses; this file lists which pack feeds which set.
#
# Combination: deny beats require_approval beats allow, and a call no rule allows is denied
# (common.default_deny). Redactions are unioned and returned whatever the action.
# The second entry point, arbiter/scan (scan.rego), applies the same detectors to free text; the
# third, arbiter/visible (visible.rego), decides which tools the MCP gateway lists.
package arbiter

import data.arbiter.common
import data.arbiter.fintech
import data.arbiter.health
import data.arbiter.mcp

allows := common.allow | mcp.allow

denies := (((common.deny | fintech.deny) | health.deny) | mcp.deny) | default_deny

approvals := ((common.approval | fintech.approval) | health.approval) | mcp.approval

redactions := common.redact

input_redactions := common.redact_input

default_deny contains common.default_deny_reason if count(allows) == 0

# Sets are ordered, so every array below comes out in a stable order.
redact_list := [p | some p in redactions]

redact_input_list := [p | some p in input_redactions]

reasons_of(set) := [{"rule": r.rule, "message": r.message} | some r in set]

# When several rules require approval the strictest wins: highest count, then the first rule id.
strictest_approval := sort([[0 - a.count, a.rule, a.roles] | some a in approvals])[0]

decision := {
	"action": "deny",
	"reasons": reasons_of(denies),
	"redact": redact_list,
	"redact_input": redact_input_list,
} if {
	count(denies) > 0
} else := {
	"action": "require_approval",
	"reasons": reasons_of(approvals),
	"redact": redact_list,
	"redact_input": redact_input_list,
	"approval": {"roles": strictest_approval[2], "count": 0 - strictest_approval[0]},
} if {
	count(approvals) > 0
} else := {
	"action": "allow",
	"reasons": reasons_of(allows),
	"redact": redact_list,
	"redact_input": redact_input_list,
}
