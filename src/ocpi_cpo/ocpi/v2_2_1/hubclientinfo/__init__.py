"""HubClientInfo module: the status of the parties behind a hub."""
