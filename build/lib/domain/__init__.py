"""The rules of the portal, free of GraphQL: access, transitions, MDF ledger, notifications."""
