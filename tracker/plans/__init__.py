"""Sandbox plans: the versioned agreement between an institution and the regulator on what a
pilot tests, within which boundaries, under which safeguards, measured by which KPIs."""
