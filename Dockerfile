# Wyoming server for Qwen realtime TTS. Configure with environment variables:
#   docker run -p 10200:10200 -e DASHSCOPE_API_KEY=sk-... -e QWENTTS_VOICE=Cherry wyoming-qwentts
ARG BASE=python:3.13-slim-bookworm
FROM ${BASE}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    QWENTTS_URI=tcp://0.0.0.0:10200

WORKDIR /app
COPY pyproject.toml README.md ./
COPY wyoming_qwentts ./wyoming_qwentts
RUN pip install --no-compile ".[zeroconf,uvloop,fallback]" \
    && useradd --system --uid 10200 --no-create-home wyoming

USER wyoming
EXPOSE 10200
ENTRYPOINT ["wyoming-qwentts"]
