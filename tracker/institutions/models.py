"""Institutions and categories now live in ``tracker.organisations.models``; re-exported here
so existing imports keep working."""

from tracker.organisations.models import (
    DEFAULT_CATEGORIES,
    SECTOR_OF_KIND,
    Category,
    Institution,
    InstitutionKind,
)

__all__ = ["DEFAULT_CATEGORIES", "SECTOR_OF_KIND", "Category", "Institution", "InstitutionKind"]
