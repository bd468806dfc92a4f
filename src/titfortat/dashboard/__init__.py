"""The local web dashboard (``titfortat serve``), built on Shiny for Python.

Filter the events of a store (dates, country, type, actor) and see the count,
timeline, map and network update; run the effect table; download the shown
tables as CSV. The store is opened read-only and every filter reaches SQL as
a bound parameter of :meth:`titfortat.events.EventStore.query`; nothing typed
into the page is executed. Install with ``pip install 'titfortat[dashboard]'``.
"""

from __future__ import annotations

from titfortat.dashboard.app import create_app, serve

__all__ = ["create_app", "serve"]
