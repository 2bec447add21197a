"""The ASGI application object uvicorn imports (`app.main:app`)."""

import gc

from app.logging import configure_logging
from app.server import create_app

# Worker processes are fresh interpreters: each sets up its own JSON logging.
configure_logging()
app = create_app()

# A server holds many long-lived objects (schema, and per WebSocket subscriber a few hundred):
# with the default thresholds the cyclic GC walks all of them over and over, which shows as
# latency spikes when events fan out to thousands of subscribers. Everything built at import is
# frozen out of collection, and collections of young objects are made less frequent.
gc.collect()
gc.freeze()
gc.set_threshold(50_000, 20, 100)
