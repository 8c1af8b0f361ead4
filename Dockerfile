# One image for all five services (collector, ingest, segmenter, campaign, api).
# The service to run is chosen at run time with the SERVICE environment variable
# (default: the SERVICE build argument), e.g.
#
#   docker build -t cdp:local .
#   docker run --rm -e SERVICE=api -e KAFKA_BROKERS=kafka:9092 \
#     -e CLICKHOUSE_URL=http://clickhouse:8123 -p 3001:3001 cdp:local
#
# docker-compose.yml builds it once and starts every service from it.

ARG NODE_IMAGE=node:20-bookworm-slim

# ---------------------------------------------------------------- build: compile TypeScript to dist/
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY apps ./apps
COPY libs ./libs
# compiles apps/ and libs/ to dist/ and copies libs/clickhouse/migrations to dist/libs/clickhouse/migrations
RUN npm run build

# ---------------------------------------------------------------- deps: production node_modules only
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# ---------------------------------------------------------------- runtime
FROM ${NODE_IMAGE} AS runtime
ARG SERVICE=collector
ENV NODE_ENV=production \
    SERVICE=${SERVICE}
WORKDIR /app
# Files stay owned by root (read-only for the service); the process runs as the
# image's unprivileged "node" user (uid 1000).
COPY package.json package-lock.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
# collector, api, ingest, segmenter, campaign (HTTP: /metrics, /health/live, /health/ready)
EXPOSE 3000 3001 9464 9465 9466
STOPSIGNAL SIGTERM
# Shell form so ${SERVICE} expands; exec replaces the shell, so node is PID 1 and
# receives SIGTERM directly (it drains and exits within SHUTDOWN_TIMEOUT_MS). A 32 MB
# young-generation semi-space (V8's default: 16): fewer, cheaper scavenges under load.
CMD [ -f "dist/apps/${SERVICE}/src/main.js" ] || { echo "unknown SERVICE '${SERVICE}' (expected collector, ingest, segmenter, campaign or api)" >&2; exit 64; }; exec node --max-semi-space-size=32 "dist/apps/${SERVICE}/src/main.js"
