# One image for the three services. SERVICE (customers, orders or notifications) is the one it
# runs unless a command says otherwise (docker-compose.yml builds it once and names the service
# in each container's command): docker build --build-arg SERVICE=orders -t csr-oms-orders .
FROM python:3.11-slim
ARG SERVICE=customers
ENV PYTHONUNBUFFERED=1 UV_PROJECT_ENVIRONMENT=/opt/venv PATH=/opt/venv/bin:$PATH OMS_SERVICE=${SERVICE}
RUN pip install --no-cache-dir "uv>=0.5"
WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
COPY contracts contracts
COPY services services
COPY csr csr
COPY devstack devstack
COPY oidc oidc
RUN uv sync --frozen --no-dev
RUN useradd --system --uid 10001 oms
USER oms
EXPOSE 8000
# Ready (migrated, consuming, the outbox flowing), not only alive: see docs/operations.md.
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=6 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/ready', timeout=4)"]
CMD ["sh", "-c", "exec python -m services.$OMS_SERVICE"]
