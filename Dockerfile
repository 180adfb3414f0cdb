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
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "2", "--timeout", "30", "syncapp.app:create_app()"]
