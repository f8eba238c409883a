"""The scheduler room: one leader fires due jobs exactly once per slot.

Imports only shared_models. Embedded: `handle = start_candidate(settings)` in the
gateway's lifespan, `handle.stop()` at shutdown. Standalone: `python -m scheduler`.
"""

from scheduler.candidate import CandidateHandle, start_candidate

__all__ = ["CandidateHandle", "start_candidate"]
