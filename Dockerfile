# dthostmon container image (docs/deploy.md).
#   docker build -t dthostmon:0.1.0 .
#   docker compose -f dca-dthostmon.yml up -d         serve --schedule + PostgreSQL
#   kubectl apply -k k8s/                             CronJob `run` + Deployment `serve`
# The default command is the compose shape: the API and hourly passes in one long-running process. The one-shot
# `run` (a Kubernetes CronJob, cron on the Docker host) is `docker run --rm ... dthostmon:0.1.0 run`.

# --- build: dev dependencies, TypeScript, then only the production dependencies are kept ---
FROM node:24-bookworm-slim AS build
# better-sqlite3 downloads a prebuilt binary for this Node; the compiler is its fallback when none fits.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

# --- runtime: the same base (the native module was built for it), no compiler, a non-root user ---
FROM node:24-bookworm-slim AS runtime
LABEL org.opencontainers.image.title="dthostmon" \
      org.opencontainers.image.description="Agentless fleet monitor: one bounded SSH pass over your Linux hosts" \
      org.opencontainers.image.licenses="MIT"
# openssh-client: ssh-keyscan and ssh for checking a host by hand (dthostmon itself speaks SSH through ssh2);
# tini: PID 1 that forwards SIGTERM to dthostmon and reaps the children of local-transport commands.
RUN apt-get update \
 && apt-get install -y --no-install-recommends openssh-client tini ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 dthostmon \
 && useradd --system --uid 10001 --gid 10001 --home-dir /opt/dthostmon --no-create-home --shell /usr/sbin/nologin dthostmon \
 && mkdir -p /opt/dthostmon/config /opt/dthostmon/logs /opt/dthostmon/data \
 && chown dthostmon:dthostmon /opt/dthostmon /opt/dthostmon/config /opt/dthostmon/logs /opt/dthostmon/data
WORKDIR /opt/dthostmon/app
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY templates ./templates
COPY migrations ./migrations
COPY docker/healthcheck.mjs ./docker/healthcheck.mjs
RUN ln -s /opt/dthostmon/app/bin/dthostmon.js /usr/local/bin/dthostmon
# The config is found through DTHOSTMON_CONFIG; logs are JSON lines on stderr (docker logs, kubectl logs).
ENV DTHOSTMON_CONFIG=/opt/dthostmon/config/dthostmon.yaml \
    DTHOSTMON_LOG_FORMAT=json
USER 10001:10001
VOLUME ["/opt/dthostmon/config", "/opt/dthostmon/logs", "/opt/dthostmon/data"]
EXPOSE 8080
# GET /health of the serve in this container: 200 healthy; 503 degraded (database, stale pass, stuck outbox) or no
# answer is unhealthy. DTHOSTMON_HEALTH_URL overrides the URL (another api.port, or https:// with api.tls_cert).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "/opt/dthostmon/app/docker/healthcheck.mjs"]
ENTRYPOINT ["/usr/bin/tini", "--", "dthostmon"]
CMD ["serve", "--bind", "0.0.0.0", "--schedule", "17 * * * *"]
