"""Thin resolvers: load, check (in domain/), call the domain, shape the payload."""
