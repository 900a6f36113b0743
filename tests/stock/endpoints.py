"""The store's rows of the permission matrix, one list per part of the module."""

from tests.stock.endpoints_api import API
from tests.stock.endpoints_notify import NOTIFY
from tests.stock.endpoints_orders import ORDERS
from tests.stock.endpoints_pages import PAGES

STOCK_ENDPOINTS = [*PAGES, *ORDERS, *NOTIFY, *API]
