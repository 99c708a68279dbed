from services.customers.app import create_service
from services.customers.settings import CustomersSettings
from services.runtime.main import run

run(create_service, CustomersSettings())
