"""What a client needs to fill in a proposal: cohorts, categories, technology partners; and
who the token belongs to."""

from __future__ import annotations

import sqlalchemy as sa
from werkzeug.wrappers import Response

from tracker.api.blueprint import bp, current_api_user, current_token, errors, reply
from tracker.api.schemas import CohortOut, Me, Named
from tracker.extensions import db
from tracker.institutions.models import Category
from tracker.usecases import permissions, queries


@bp.route("/me", tags=["Reference data"])
@bp.response(200, Me)
@errors(401, 429)
def me() -> Response:
    """The token's user, organisation and scope."""
    user = current_api_user()
    token = current_token()
    organisation = user.organisation
    return reply(
        200,
        Me().dump(
            {
                "id": user.id,
                "name": user.name,
                "email": user.email,
                "role": user.role.value,
                "organisation": str(organisation) if organisation is not None else None,
                "scope": token.scope,
                "token_expires_at": token.expires_at,
            }
        ),
    )


@bp.route("/cohorts", tags=["Reference data"])
@bp.response(200, CohortOut(many=True))
@errors(401, 429)
def open_cohorts() -> Response:
    """Cohorts open for applications, and whether your institution may propose in each."""
    user = current_api_user()
    rows = [
        {
            "id": c.id,
            "name": c.name,
            "name_zh": c.name_zh,
            "programme": c.programme,
            "status": c.status,
            "open_to_you": permissions.can_propose_in(user, c),
        }
        for c in queries.open_cohorts()
    ]
    return reply(200, CohortOut(many=True).dump(rows))


@bp.route("/categories", tags=["Reference data"])
@bp.response(200, Named(many=True))
@errors(401, 429)
def categories() -> Response:
    """The categories a proposal may take."""
    found = db.session.scalars(
        sa.select(Category).where(Category.active.is_(True)).order_by(Category.name)
    )
    return reply(200, Named(many=True).dump(found))


@bp.route("/technology-partners", tags=["Reference data"])
@bp.response(200, Named(many=True))
@errors(401, 429)
def technology_partners() -> Response:
    """Technology partners a proposal may name."""
    return reply(200, Named(many=True).dump(queries.technology_partners()))
