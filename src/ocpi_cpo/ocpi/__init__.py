"""OCPI plumbing shared by all versions: status codes, errors, envelope, headers, pagination, auth."""
