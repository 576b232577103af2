"""Words of the dashboard figures built outside its templates: the funnel's steps (named by
``tracker.usecases.workspace.funnel`` in English), for the tables and the chart JSON."""

from __future__ import annotations

from tracker.i18n import N_
from tracker.i18n import gettext as _
from tracker.usecases.workspace import FunnelStep

FUNNEL_STEPS = {
    "proposals": N_("Proposals"),
    "selected": N_("Selected"),
    "pilot": N_("Pilot"),
    "production": N_("Production"),
}


def funnel_label(step: FunnelStep) -> str:
    """A funnel step's name in the page's language."""
    return _(FUNNEL_STEPS.get(step.key, step.label))
