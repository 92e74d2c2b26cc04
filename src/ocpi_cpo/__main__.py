"""``python -m ocpi_cpo`` is the ``ocpi-cpo`` command."""

from ocpi_cpo.cli.main import main

main()
