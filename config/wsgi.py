import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# Leave the ~100,000 objects of start-up out of the cyclic collector's full passes: otherwise each
# one walks them all, a ~70 ms pause of every thread in the worker (bench/enrolment_bench.py, p99).
gc.freeze()
