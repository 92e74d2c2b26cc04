"""``make bench``: runs every benchmark and writes bench/results.json."""

from __future__ import annotations

import sys


def main() -> int:
    print("no benchmark yet: the first ones arrive with the Locations Sender and the outbox")
    return 0


if __name__ == "__main__":
    sys.exit(main())
