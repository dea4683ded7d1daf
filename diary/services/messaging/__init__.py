"""SMS: planning reminders, the outbox, delivery, wording, replies, reachability, on-call pages."""
