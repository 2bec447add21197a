"""One small module per mutation (or a small group), each calling a domain action."""
