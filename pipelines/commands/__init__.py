"""Subcommands of `followup`; each module has register(subparsers) and sets `func`."""
