"""Packaging metadata that setuptools accepts without deprecation warnings."""

from __future__ import annotations

import tomllib

from tests.conftest import ROOT


def test_the_licence_is_an_spdx_expression() -> None:
    """The table form (``license = {text = ...}``) is deprecated and warns on every install; the
    string form needs setuptools 77 or later."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["license"] == "LicenseRef-Proprietary"
    assert "setuptools>=77" in project["build-system"]["requires"]
