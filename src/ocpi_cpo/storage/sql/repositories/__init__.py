"""One repository per aggregate; all SQL of the project lives here."""
