"""YAML reading and byte-exact writing: scan fast, parse only what can change, splice."""
