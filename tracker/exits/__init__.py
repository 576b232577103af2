"""The exit of a pilot: the exit report and the written proof of activities (registered PDFs),
and the publication of an exit report once both the institution and the regulator agree."""
