import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kechuang.settings")
application = get_wsgi_application()

# Production refuses to serve while the database holds the demo or the published demo password
# (core.E001): the WSGI server fails to load the application and says why.
from kechuang.core.production import refuse_demo_in_production  # noqa: E402

refuse_demo_in_production()
