package arbiter.mcp.filesystem_test

import data.arbiter.fixtures as fx

fs_call(tool, args) := {
	"tool": {"name": tool, "kind": "mcp", "server": "filesystem"},
	"arguments": args,
	"agent": {"id": "claude-code", "runtime": "mcp"},
	"principal": {"id": "u-17", "roles": ["analyst"]},
	"session": {"id": "sess-1"},
	"context": {"time": fx.wednesday_open},
}

decide(tool, args) := d if {
	d := data.arbiter.decision with input as fs_call(tool, args)
}

# --- allowed reads ------------------------------------------------------------------------------

test_read_under_readable_directory_is_allowed if {
	d := decide("read_text_file", {"path": "/data/reports/q3.txt"})
	d.action == "allow"
	fx.rules(d) == {"mcp.tool_allowlist"}
}

test_read_multiple_files_under_readable_directory_is_allowed if {
	decide("read_multiple_files", {"paths": ["/data/a.txt", "/data/b/c.txt"]}).action == "allow"
}

test_listing_the_parent_of_a_protected_directory_is_allowed if {
	decide("list_directory", {"path": "/data"}).action == "allow"
}

test_tool_without_path_is_allowed if {
	decide("list_allowed_directories", {}).action == "allow"
}

# --- mcp.fs_write_denied ------------------------------------------------------------------------

test_write_is_denied_with_its_rule if {
	d := decide("write_file", {"path": "/data/new.txt", "content": "x"})
	d.action == "deny"
	d.reasons == [{"rule": "mcp.fs_write_denied", "message": "tool write_file changes files; writes through MCP server filesystem are not allowed"}]
}

test_every_write_tool_is_denied if {
	every tool in ["write_file", "edit_file", "create_directory", "move_file"] {
		"mcp.fs_write_denied" in fx.rules(decide(tool, {"path": "/data/x"}))
	}
}

# --- mcp.fs_protected_path ----------------------------------------------------------------------

test_read_in_protected_directory_is_refused if {
	d := decide("read_text_file", {"path": "/data/restricted/salaries.csv"})
	d.action == "deny"
	d.reasons == [{"rule": "mcp.fs_protected_path", "message": "argument /path is in a protected directory"}]
}

test_listing_the_protected_directory_itself_is_refused if {
	fx.rules(decide("list_directory", {"path": "/data/restricted"})) == {"mcp.fs_protected_path"}
}

test_one_protected_path_among_many_is_refused if {
	d := decide("read_multiple_files", {"paths": ["/data/a.txt", "/data/restricted/b.txt"]})
	d.reasons == [{"rule": "mcp.fs_protected_path", "message": "argument /paths/1 is in a protected directory"}]
}

test_tree_of_a_parent_of_the_protected_directory_is_refused if {
	d := decide("directory_tree", {"path": "/data"})
	d.reasons == [{"rule": "mcp.fs_protected_path", "message": "argument /path contains a protected directory"}]
}

test_search_from_a_parent_of_the_protected_directory_is_refused if {
	fx.rules(decide("search_files", {"path": "/data", "pattern": "*.csv"})) == {"mcp.fs_protected_path"}
}

test_similar_prefix_is_not_protected if {
	decide("read_text_file", {"path": "/data/restricted-not/x.txt"}).action == "allow"
}

# --- mcp.fs_path_invalid: the attack is a path that only looks readable --------------------------

test_dot_dot_escape_is_refused if {
	d := decide("read_text_file", {"path": "/data/public/../restricted/salaries.csv"})
	d.action == "deny"
	fx.rules(d) == {"mcp.fs_path_invalid"}
}

test_relative_path_is_refused if {
	fx.rules(decide("read_text_file", {"path": "restricted/salaries.csv"})) == {"mcp.fs_path_invalid"}
}

test_double_slash_is_refused if {
	fx.rules(decide("read_text_file", {"path": "/data//restricted/x"})) == {"mcp.fs_path_invalid"}
}

test_non_string_path_is_refused if {
	fx.rules(decide("read_text_file", {"path": ["/data/a.txt"]})) == {"mcp.fs_path_invalid"}
}

test_message_names_the_argument_not_the_path if {
	d := decide("read_text_file", {"path": "/data/restricted/ssn-078-05-1120.txt"})
	every r in d.reasons {
		not contains(r.message, "078-05-1120")
	}
}

# --- mcp.fs_outside_readable --------------------------------------------------------------------

test_read_outside_readable_directories_is_refused if {
	d := decide("read_text_file", {"path": "/etc/passwd"})
	d.reasons == [{"rule": "mcp.fs_outside_readable", "message": "argument /path is outside the readable directories"}]
}

test_move_destination_is_checked_too if {
	rules := fx.rules(decide("move_file", {"source": "/data/a.txt", "destination": "/data/restricted/a.txt"}))
	rules == {"mcp.fs_write_denied", "mcp.fs_protected_path", "common.default_deny"}
}

# --- other servers and other kinds --------------------------------------------------------------

test_unknown_tool_of_a_known_server_is_denied if {
	fx.rules(decide("format_disk", {})) == {"common.default_deny"}
}

test_unknown_server_is_denied if {
	c := object.union(fs_call("read_text_file", {"path": "/data/a.txt"}), {"tool": {"name": "read_text_file", "kind": "mcp", "server": "shadow-fs"}})
	d := data.arbiter.decision with input as c
	fx.rules(d) == {"common.default_deny"}
}

test_client_tool_with_the_same_name_is_not_an_mcp_tool if {
	c := object.union(fs_call("read_text_file", {"path": "/data/a.txt"}), {"tool": {"name": "read_text_file", "kind": "client"}})
	d := data.arbiter.decision with input as c
	fx.rules(d) == {"common.default_deny"}
}
