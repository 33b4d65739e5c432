# MCP tools behind the gateway (`arbiter mcp --server-name <server>`): input.tool.kind is "mcp" and
# input.tool.server the gateway's server name. data.mcp.servers[<server>] configures each server:
#   tools             - tool names any agent may call (the MCP counterpart of common.tool_allowlist)
#   approval_required - {tool: {"roles", "count"}}: tools that need human approval first
#   hidden            - tools arbiter/visible leaves out of tools/list (calling one anyway is denied)
package arbiter.mcp

is_mcp if input.tool.kind == "mcp"

server := data.mcp.servers[input.tool.server] if is_mcp

allow contains {
	"rule": "mcp.tool_allowlist",
	"message": concat("", ["tool ", input.tool.name, " of MCP server ", input.tool.server, " is allowed"]),
} if {
	input.tool.name in server.tools
}

approval contains {
	"rule": "mcp.tool_requires_approval",
	"message": concat("", ["tool ", input.tool.name, " of MCP server ", input.tool.server, " needs human approval"]),
	"roles": required.roles,
	"count": required.count,
} if {
	required := server.approval_required[input.tool.name]
}

# Read by arbiter/visible (policies/visible.rego).
hidden if input.tool.name in server.hidden
