"""Permission-matrix rows for the support module: api."""

from tests.matrix import Endpoint

API: list[Endpoint] = []
