"""Version-neutral dataclasses and rules. No I/O and no frameworks here."""
