"""The pure scheduling core: schedule files -> validated model -> occurrences -> what plays.

Nothing in this package reads files, the database or the clock, except `files`, the thin
adapter that reads the schedules folder.
"""
