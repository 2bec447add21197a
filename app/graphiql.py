"""GraphiQL from the app's own files (trap 18: Strawberry's page loads React and GraphiQL from a CDN).

The page (app/graphiql.html) loads React, GraphiQL, its explorer plugin and graphql-ws from
`/static/vendor/` (app/static/vendor, refreshed by `make vendor`), so it works on an intranet or
offline. Outside production it opens with a first query and the Headers tab showing how to get a
token; in production GraphiQL is off unless `GRAPHIQL=true`, and then opens empty.
"""

from __future__ import annotations

import json
from pathlib import Path

from app.settings import Settings

STATIC_DIR = Path(__file__).resolve().parent / "static"
TEMPLATE = (Path(__file__).resolve().parent / "graphiql.html").read_text(encoding="utf-8")
TOKEN_COMMAND = ".venv/bin/provider-orders token partner@demo.example"

DEFAULT_QUERY = f"""# Every request needs a bearer token: print one with
#   {TOKEN_COMMAND}
# and paste it into the Headers tab below. Run: Ctrl-Enter.
{{
  viewer {{ user {{ name email }} organization {{ name kind }} portal {{ name }} }}
  orders(first: 10) {{
    edges {{ node {{ id name status rate {{ amount currency }} provider {{ name }} }} }}
  }}
}}
"""
DEFAULT_HEADERS = json.dumps({"Authorization": f"Bearer <the output of: {TOKEN_COMMAND}>"}, indent=2)


def graphiql_html(settings: Settings, root_path: str = "") -> str:
    development = not settings.is_production
    config = {
        "defaultQuery": DEFAULT_QUERY if development else "",
        "defaultHeaders": DEFAULT_HEADERS if development else "",
        "persistHeaders": development,
    }
    # In a <script> element, "</" would end it early.
    config_json = json.dumps(config).replace("</", "<\\/")
    return TEMPLATE.replace("{{vendor}}", f"{root_path}/static/vendor").replace("{{config}}", config_json)
