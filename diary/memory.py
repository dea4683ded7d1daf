"""Long-running processes (a web worker, the scheduler) set their start-up's objects aside.

Python's collector now and then walks every object a process holds. A process that has
started holds some 140,000 (the app, its catalogs, compiled templates, mappers and the
instrument), none of which ever becomes garbage. Walking them took about 100 ms on a 2-core
server: a web worker paused a request that long about once in a thousand, and a scheduler
minute that stores thousands of reminders paused once. Frozen, they are never walked again,
and a full pass walks only what came after.
"""

import gc


def settle() -> None:
    """Collect what start-up threw away, then freeze the rest for the life of the process."""
    gc.collect()
    gc.freeze()
