"""Who is told of what: notifications as subscribers of the commands' events, the notification
centre, preferences, and e-mail delivered through the job queue."""
