"""The admin REST API (``/admin/...``, bearer admin token), documented at /admin/docs."""
