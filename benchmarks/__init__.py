"""Benchmarks that print numbers (accuracy, speed, memory); the top layer beside the CLI, never imported below it."""
