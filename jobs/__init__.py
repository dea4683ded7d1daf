"""The scheduler process: `python -m jobs` runs the tick every minute."""
