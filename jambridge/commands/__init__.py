"""Subcommands of the `jambridge` CLI, one module each (see jambridge.cli.COMMANDS)."""
