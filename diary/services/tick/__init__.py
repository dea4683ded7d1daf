"""The scheduler's tick: closing windows, then planning and sending messages."""
