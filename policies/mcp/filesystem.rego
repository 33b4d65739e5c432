# The reference filesystem server (@modelcontextprotocol/server-filesystem) behind the gateway, as
# configured in data.mcp.filesystem: reads only under `readable` directories, never under `protected`
# ones, and no writes at all. Paths are compared as text, so a path must be absolute and free of "." and
# ".." segments (anything else is refused, not normalised); the server itself resolves symlinks and
# enforces its own allowed directories as a second line. Messages name the argument, never the path.
package arbiter.mcp

fs := data.mcp.filesystem

is_fs if {
	is_mcp
	input.tool.server == fs.server
}

# Every path argument of the call: [JSON pointer into the arguments, value].
fs_paths contains ["/path", input.arguments.path] if {
	is_fs
	"path" in object.keys(input.arguments)
}

fs_paths contains [concat("", ["/paths/", format_int(i, 10)]), p] if {
	is_fs
	some i, p in input.arguments.paths
}

fs_paths contains [concat("", ["/", name]), input.arguments[name]] if {
	is_fs
	some name in ["source", "destination"]
	name in object.keys(input.arguments)
}

# A path as the filesystem policy accepts it: absolute, no empty, "." or ".." segments.
clean_path(p) if {
	is_string(p)
	startswith(p, "/")
	segments := array.slice(split(p, "/"), 1, count(split(p, "/")))
	every s in segments {
		not s in {"", ".", ".."}
	}
}

clean_path("/")

under(p, dir) if p == dir

under(p, dir) if startswith(p, concat("", [trim_right(dir, "/"), "/"]))

deny contains {
	"rule": "mcp.fs_write_denied",
	"message": concat("", ["tool ", input.tool.name, " changes files; writes through MCP server ", input.tool.server, " are not allowed"]),
} if {
	is_fs
	input.tool.name in fs.write_tools
}

deny contains {
	"rule": "mcp.fs_path_invalid",
	"message": concat("", ["argument ", ptr, " must be an absolute path without empty, . or .. segments"]),
} if {
	some [ptr, p] in fs_paths
	not clean_path(p)
}

deny contains {
	"rule": "mcp.fs_protected_path",
	"message": concat("", ["argument ", ptr, " is in a protected directory"]),
} if {
	some [ptr, p] in fs_paths
	clean_path(p)
	some dir in fs.protected
	under(p, dir)
}

# A directory that contains a protected one would list or return its content (directory_tree,
# search_files, read of the parent): refused too.
deny contains {
	"rule": "mcp.fs_protected_path",
	"message": concat("", ["argument ", ptr, " contains a protected directory"]),
} if {
	some [ptr, p] in fs_paths
	clean_path(p)
	input.tool.name in fs.recursive_tools
	some dir in fs.protected
	under(dir, p)
	dir != p
}

deny contains {
	"rule": "mcp.fs_outside_readable",
	"message": concat("", ["argument ", ptr, " is outside the readable directories"]),
} if {
	some [ptr, p] in fs_paths
	clean_path(p)
	not readable(p)
}

readable(p) if {
	some dir in fs.readable
	under(p, dir)
}
