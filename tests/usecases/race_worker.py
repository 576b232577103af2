"""A process that races others to move the same use cases (used by test_concurrency)."""

from __future__ import annotations

from typing import Any

from tests.conftest import make_app


def race(
    url: str, user_id: int, use_case_ids: list[int], action: str, barrier: Any, results: Any
) -> None:
    from tracker.auth.models import User
    from tracker.extensions import db
    from tracker.usecases import services, workflow
    from tracker.usecases.models import UseCase

    app = make_app(url)
    with app.app_context():
        for use_case_id in use_case_ids:
            db.session.remove()
            user = db.session.get(User, user_id)
            use_case = db.session.get(UseCase, use_case_id)
            assert user is not None and use_case is not None
            version = use_case.version
            barrier.wait(timeout=60)
            try:
                services.apply_transition(
                    use_case, workflow.BY_NAME[action], user, version, reason="race"
                )
                db.session.commit()
                results.put((use_case_id, "won"))
            except services.ConflictError:
                db.session.rollback()
                results.put((use_case_id, "conflict"))
            except Exception as exc:  # noqa: BLE001 - reported to the test, which fails on it
                db.session.rollback()
                results.put((use_case_id, f"error: {exc!r}"))
        db.engine.dispose()
