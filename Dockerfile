# One image for the three services; the command picks the service.
FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 UV_PROJECT_ENVIRONMENT=/opt/venv PATH=/opt/venv/bin:$PATH
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
CMD ["python", "-m", "services.customers"]
