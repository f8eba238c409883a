# One image for every Python service of docker-compose.yml: the gateway replicas
# (`uvicorn gateway:app`), the scheduler (`python -m scheduler`) and the one-shot
# `python -m shared_models migrate`. The command is chosen per service.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
RUN useradd --system --home-dir /app app && mkdir -p instance && chown app instance
USER app

EXPOSE 8000
CMD ["uvicorn", "gateway:app", "--host", "0.0.0.0", "--port", "8000"]
