from services.notifications.app import create_service
from services.notifications.settings import NotificationsSettings
from services.runtime.main import run

run(create_service, NotificationsSettings())
