from services.orders.app import create_service
from services.orders.settings import OrdersSettings
from services.runtime.main import run

run(create_service, OrdersSettings())
