"""The working-day calendar and the stage clocks.

- ``calendar``: weekends, Hong Kong's general holidays and each regulator's closures
  (``is_working_day``, ``add_working_days``, ``working_days_between``, ``calendar_for``).
- ``clocks``: the clocks computed from a use case's stage history, as at any date.
- ``services``: commands (closures, clock settings) and ``refresh`` of ``UseCase.clock_due_on``.
- ``queries``: the list, board and dashboard conditions on the due date; ``performance``: the
  reports' "decided within time"; ``jobs``: the daily check that tells who waits on a clock.
"""
