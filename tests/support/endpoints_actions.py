"""Permission-matrix rows for the support module: actions."""

from tests.matrix import Endpoint

ACTIONS: list[Endpoint] = []
