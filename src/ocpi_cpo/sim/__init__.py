"""Simulators: a Gireve-like hub and charge points, for the demo, tests and certification rehearsal."""
