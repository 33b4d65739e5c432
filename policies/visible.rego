# Third entry point, optional: which tools the MCP gateway (`arbiter mcp`) lists in tools/list. Input is
# a tool call without `arguments` ({tool, agent, principal, session, context}); a tool is shown only
# when this is true. A hidden tool called anyway is denied (rule arbiter.mcp_tool_hidden). Without this
# rule in a bundle, every tool is listed.
package arbiter

import data.arbiter.mcp

# METADATA
# title: arbiter/visible
# entrypoint: true
default visible := true

visible := false if mcp.hidden
