"""The systems register: the systems whose access is controlled, and their roles. Its
pages are access control's; support names a ticket's system from it."""

from vftops.core.modules import Module
from vftops.systems import demo

module = Module(name="systems", demo=demo.load)
