"""The PDF toolkit the report stories are built from: fonts, text, styles, tables, charts and the
page shell. The only package (with ``tracker.reports.layout``) that imports reportlab."""
