"""Live updates: the event bus and the subscription resolvers."""
