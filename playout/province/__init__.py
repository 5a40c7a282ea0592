"""The province: many stations, one record up, bulletins down.

Each station airs from its own SQLite file whatever the network does. What it records is
queued in that file (`outbox`, filled by triggers in the same transaction as the record) and
forwarded to the province's central PostgreSQL when the link is up (`forward.py`); bulletins
published centrally are fetched, verified and imported by each targeted station and aired as
their level says (`bulletins.py`). `link.py` is the daemon's component that does both.
"""
