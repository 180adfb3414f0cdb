# One image for the web app and the worker. Browsers run in the selenium/standalone-chromium
# service (SELENIUM_REMOTE_URL), so this image needs no Chromium of its own.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 SE_OFFLINE=true
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY syncapp/ syncapp/
COPY tasks/ tasks/
COPY portal_pages/ portal_pages/
COPY celeryconfig.py flowerconfig.py pyproject.toml ./
RUN pip install --no-cache-dir --no-deps -e . && useradd --create-home sync && mkdir -p /data && chown sync /data
USER sync
ENV SYNC_DATA_DIR=/data
EXPOSE 8000
# Threaded workers with timeouts: a slow client holds one thread, not a whole worker.
# A buffering reverse proxy (TLS terminator) still belongs in front (README).
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--worker-class", "gthread", "--workers", "2", "--threads", "32", "--timeout", "30", "--graceful-timeout", "30", "--keep-alive", "5", "syncapp.web.app:create_app()"]
