"""The `data-platform` command line: thin wrappers that parse options and print."""
