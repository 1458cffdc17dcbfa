"""Thin adapters: each picks a reader, a writer and a reporter around the engine."""
