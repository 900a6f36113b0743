"""Permission-matrix rows for the support module: admin."""

from tests.matrix import Endpoint

ADMIN: list[Endpoint] = []
