"""Keeping what was typed into a form whose security (CSRF) token had expired.

The "Form expired" page shows the text back and, when it is safe, offers a form that posts the
same fields again with a fresh token. Safe means the refused request came from one of our own
pages (its Origin, or failing that its Referer, is this site), so a page elsewhere cannot use
the offer to have a signed-in user post what it wrote, nor put its words on our page; and it
carried no password, which is never written back into a page.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Request

from tracker.i18n import N_

# Fields posted again but not shown: the version is bookkeeping (record ids are skipped too).
NOT_SHOWN = frozenset({"version"})
CSRF_FIELD = "csrf_token"


@dataclass(frozen=True)
class KeptForm:
    action: str  # where the form posted, and where "Submit again" posts
    back: str | None  # the page the form was on, if it is one of ours
    fields: tuple[tuple[str, str], ...]  # every (name, value) to post again, in order
    files: tuple[str, ...]  # names of the file inputs, to choose again
    typed: tuple[tuple[str, str], ...]  # (label, text) of what the user typed, to show
    can_resubmit: bool


def _ours(url: str, request: Request) -> bool:
    here, there = urlsplit(request.host_url), urlsplit(url)
    return (there.scheme, there.netloc) == (here.scheme, here.netloc)


def _back(request: Request) -> str | None:
    """The page the form was on, when it is one of ours."""
    referrer = request.headers.get("Referer", "")
    if not _ours(referrer, request):
        return None
    parts = urlsplit(referrer)
    return parts.path + (f"?{parts.query}" if parts.query else "")


# Field names whose readable form is no form's label, marked for the catalogue (``_label``).
GENERIC_LABELS = (N_("Body"),)


def _label(name: str) -> str:
    """A readable name for a field: "pilot_limits" → "Pilot limits"; in the page's language
    when the catalogue has that label (most field names read as their form's label)."""
    from tracker.i18n import gettext

    words = name.replace("-", " ").replace("_", " ").split()
    readable = " ".join(words).capitalize()
    return gettext(readable)


def kept_form(request: Request, signed_in: bool) -> KeptForm:
    """What the refused POST carried, and whether it may be posted again from the page. A POST
    from another site is shown nothing back: it was not typed here, and echoing it would let
    that site put its words on our page."""
    ours = _ours(request.headers.get("Origin") or request.headers.get("Referer", ""), request)
    if not ours:
        return KeptForm(
            action=request.full_path.rstrip("?"),
            back=None,
            fields=(),
            files=(),
            typed=(),
            can_resubmit=False,
        )
    has_password = any("password" in name for name in request.form)
    fields = tuple(
        (name, value)
        for name, value in request.form.items(multi=True)
        if name != CSRF_FIELD and "password" not in name
    )
    typed = tuple(
        (_label(name), value)
        for name, value in fields
        if name not in NOT_SHOWN and not name.endswith(("_id", "_ids")) and value.strip()
    )
    return KeptForm(
        action=request.full_path.rstrip("?"),
        back=_back(request),
        fields=fields,
        files=tuple(dict.fromkeys(request.files)),
        typed=typed,
        can_resubmit=signed_in and not has_password,
    )
