"""Progress returns the regulator expects (schedules, ad-hoc requests, milestone-triggered
returns, their reminders) and incidents reported at any time with their response clock."""
