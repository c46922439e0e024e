# The Budget System image: one image for web (gunicorn), worker, Beat and migrate.
# Build: docker compose build (or make up). Settings: budget_system.settings_production.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=budget_system.settings_production \
    PORT=8000 \
    WEB_CONCURRENCY=2

# An unprivileged user owns the processes; the code stays root-owned and read-only to it.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app

WORKDIR /app

# Dependencies first: this layer is rebuilt only when requirements.txt changes.
COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY . .

# Static files into the image, hashed and compressed for WhiteNoise. The key and host below
# exist only for this build step (production settings refuse to start without real ones).
RUN SECRET_KEY=collectstatic-at-build-time-only ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput

USER app:app

EXPOSE 8000

# Worker processes: WEB_CONCURRENCY (read by budget_system/gunicorn_conf.py), port: PORT.
CMD ["gunicorn", "--config", "budget_system/gunicorn_conf.py", "budget_system.wsgi:application"]
