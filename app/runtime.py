"""Process-wide settings of a server process."""

import gc


def tune_garbage_collector() -> None:
    """A server holds many long-lived objects (schema, and per WebSocket subscriber a few
    hundred): with the default thresholds the cyclic GC walks all of them over and over, which
    shows as latency spikes when events fan out to thousands of subscribers. Everything built
    so far is frozen out of collection, and collections of young objects are made less frequent.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
