"""Jinja2 templates of the notification e-mails: `<KIND>.txt` and `<KIND>.html` for each
notification kind, both extending `_layout`. Shipped as package data."""
