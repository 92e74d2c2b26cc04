"""OCPI 2.1.1 (release-2.1.1-bugfixes of ocpi/ocpi): the wire of this version, rendered from the
stored (2.2.1-rich) objects; see docs/architecture.md, "One stored object, rendered per version"."""
