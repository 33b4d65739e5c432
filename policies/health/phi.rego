# No protected health information to external tools (data.health.external_tools, e.g. email.send,
# web.search). Agents that handle PHI (data.agents[<id>].handles_phi) must flag the arguments as
# de-identified (arguments.deidentified == true); and no agent may send text that still contains a
# patient identifier (data.health.identifier_patterns), flagged or not.
package arbiter.health

import data.arbiter.common.agent
import data.arbiter.common.argument_strings
import data.arbiter.common.matches
import data.arbiter.common.pointer
import data.arbiter.common.shape_of

is_external if input.tool.name in data.health.external_tools

deny contains {
	"rule": "health.phi_external",
	"message": concat("", [
		"agent ", input.agent.id, " handles PHI and may send to ", input.tool.name,
		" only de-identified content (arguments.deidentified: true)",
	]),
} if {
	is_external
	agent.handles_phi == true
	not flagged_deidentified
}

flagged_deidentified if input.arguments.deidentified == true

deny contains {
	"rule": "health.phi_identifier",
	"message": concat("", ["argument ", pointer(path), " contains a ", pattern.name, "; identifiers must not leave through ", input.tool.name]),
} if {
	is_external
	some [path, value] in argument_strings
	shape := shape_of(value)
	some pattern in data.health.identifier_patterns
	matches(pattern, value, shape)
}
