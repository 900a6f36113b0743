"""Pages for the equipment register and the technician's day.

One blueprint, `equipment`, defined in `common`; each module of this package adds the pages
of one subject to it when it is imported here.
"""

from . import catalogue, day, devices, placements, recipients  # noqa: F401
from .common import bp

__all__ = ["bp"]
