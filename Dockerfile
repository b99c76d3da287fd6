# One image for every application process: web (gunicorn), worker and beat (Celery),
# and the one-shot migrate job. Configured entirely by environment variables;
# see docker-compose.yml.
FROM python:3.11-slim

# PYTHONPATH: the source tree comes first on the path, so settings.BASE_DIR is /app
# and templates/, locale/ and var/ are found beside it (not in site-packages).
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    DJANGO_SETTINGS_MODULE=config.settings \
    PYTHONPATH=/app

WORKDIR /app

RUN useradd --create-home --uid 10001 --user-group app

COPY . .
RUN pip install .

# Static files are collected into the image (served by whitenoise). Settings need
# a database and Redis URL to load, never a connection: give placeholders, so that
# the embedded servers are not started at build time.
RUN DATABASE_URL=postgres://build@localhost/build \
    REDIS_URL=redis://localhost:6379/0 \
    DJANGO_SECRET_KEY=collectstatic-only \
    python manage.py collectstatic --noinput --verbosity 0 \
 && mkdir -p var/media \
 && chown -R app:app var

USER app

EXPOSE 8000

CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "2", "--threads", "4", \
     "--access-logfile", "-", "--no-control-socket"]
