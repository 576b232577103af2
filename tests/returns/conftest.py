"""Fixtures of the notification tests (people around the programme, a real SMTP server), for
the schedule, reminder and incident tests."""

from __future__ import annotations

from tests.notifications.conftest import clock, people, smtp

__all__ = ["clock", "people", "smtp"]
