"""The monthly assessment (考核): the county's versioned scheme and its frozen bulletins.

Why an app of its own: the assessment writes records (schemes, bulletins) that no other app
owns. The dashboard reads only and computes its figures for "now"; a bulletin is the
county's published decision for one month, stored once and never recomputed. Its figures
are read from the cases' event log as of the month's end (README.md, "Monthly assessment"),
not from the dashboard's "now" KPIs, so it needs incidents and the ladder, and nothing of
the dashboard.

Where it sits: layer 5, beside ``dashboard`` and ``demo`` (ARCHITECTURE.md). It imports
incidents, members, grids and core; none of its siblings imports it, and it imports none of
them. The demo seeds its scheme and last month's bulletin through this app's management
command (``call_command("close_assessment_month", ...)``), by name, not by import.
"""
