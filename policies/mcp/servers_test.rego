package arbiter.mcp.servers_test

import data.arbiter.fixtures as fx

mcp_call(server, tool, roles) := {
	"tool": {"name": tool, "kind": "mcp", "server": server},
	"arguments": {},
	"agent": {"id": "claude-code", "runtime": "mcp"},
	"principal": {"id": "u-17", "roles": roles},
	"session": {"id": "sess-1"},
	"context": {"time": fx.wednesday_open},
}

test_allowlisted_tool_is_allowed if {
	d := data.arbiter.decision with input as mcp_call("everything", "echo", ["analyst"])
	d.action == "allow"
	d.reasons == [{"rule": "mcp.tool_allowlist", "message": "tool echo of MCP server everything is allowed"}]
}

test_tool_with_approval_requirement_needs_approval if {
	d := data.arbiter.decision with input as mcp_call("everything", "get-sum", ["analyst"])
	d.action == "require_approval"
	d.approval == {"roles": ["supervisor"], "count": 1}
	fx.rules(d) == {"mcp.tool_requires_approval"}
}

# --- arbiter/visible ----------------------------------------------------------------------------

visible(server, tool) := v if {
	v := data.arbiter.visible with input as object.remove(mcp_call(server, tool, ["analyst"]), ["arguments"])
}

test_listed_tool_is_visible if visible("everything", "echo") == true

test_unlisted_tool_is_still_visible if visible("everything", "no-such-tool") == true

test_hidden_tool_is_not_visible if visible("everything", "get-env") == false

test_hidden_filesystem_tool_is_not_visible if visible("filesystem", "move_file") == false

test_other_servers_see_every_tool if visible("github", "get-env") == true
