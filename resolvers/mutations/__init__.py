"""One small module per mutation (or a small group), each running a domain action through
`runner.run_mutation`. They take the mutation's input object, return plain results (the objects
made or changed, and the domain's errors) and leave payloads to the schema layer."""
