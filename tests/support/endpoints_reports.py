"""Permission-matrix rows for the support module: reports."""

from tests.matrix import Endpoint

REPORTS: list[Endpoint] = []
