"""Fetching: the catalog, polite HTTP, the raw archive, listing discovery, and every source's bytes.

Nothing here imports the flow: ``gongkai.flows`` calls it. The records it hands on (``Fetched``,
``Previous``, ``Source``) are in ``gongkai.model``.
"""
