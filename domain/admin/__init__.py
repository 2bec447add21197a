"""Running a portal: the supplier's (and organisations' ADMINs') administrative actions.

One small module per group of actions. Each action runs in the caller's transaction (a
mutation's unit of work, the CLI, the seed), checks who may (`permissions`), checks its input,
changes the rows and writes an entry of the admin audit log (`audit`). A refused action raises
a `DomainError` before anything is committed, so it stores nothing and logs nothing.
"""
