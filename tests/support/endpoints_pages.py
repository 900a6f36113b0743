"""Permission-matrix rows for the support module: pages."""

from tests.matrix import Endpoint

PAGES: list[Endpoint] = []
