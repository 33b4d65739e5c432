# Tool allowlist per agent (data.agents[<id>].tools), the only source of "allow", and per-agent
# tools that always need a human approval (data.agents[<id>].approval_required).
package arbiter.common

allow contains {
	"rule": "common.tool_allowlist",
	"message": concat("", ["tool ", input.tool.name, " is allowed for agent ", input.agent.id]),
} if {
	input.tool.name in agent.tools
}

# Used by package arbiter when no rule allows the call.
default_deny_reason := {
	"rule": "common.default_deny",
	"message": concat("", ["no rule allows tool ", input.tool.name, " for agent ", input.agent.id]),
}

approval contains {
	"rule": "common.tool_requires_approval",
	"message": concat("", ["agent ", input.agent.id, " needs human approval to use ", input.tool.name]),
	"roles": required.roles,
	"count": required.count,
} if {
	required := agent.approval_required[input.tool.name]
}
