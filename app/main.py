"""The ASGI application object uvicorn imports (`app.main:app`)."""

from app.logging import configure_logging
from app.runtime import tune_garbage_collector
from app.server import create_app

# Worker processes are fresh interpreters: each sets up its own JSON logging.
configure_logging()
app = create_app()

tune_garbage_collector()
