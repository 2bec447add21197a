"""The ASGI application object uvicorn imports (`app.main:app`)."""

from app.server import create_app

app = create_app()
