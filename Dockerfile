# syntax=docker/dockerfile:1

# ---- build: compile TypeScript, then drop the dev dependencies ----
FROM node:20-bookworm-slim AS build
WORKDIR /app

COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY proto ./proto
COPY src ./src
# scripts/build.mjs also copies src/store/scripts/*.lua and
# src/generated/package.json into dist/; fail the build if either is missing.
RUN npm run build \
 && test -f dist/src/cli.js \
 && test -f dist/src/store/scripts/allocate.lua \
 && test -f dist/src/generated/package.json \
 && npm prune --omit=dev --no-audit --no-fund

# ---- runtime ----
FROM node:20-bookworm-slim

# redis-server from Debian, so the embedded default (no --redis) works too.
RUN apt-get update \
 && apt-get install -y --no-install-recommends redis-server \
 && rm -rf /var/lib/apt/lists/*

# A dedicated non-root user with a fixed numeric id (for runAsNonRoot checks).
RUN groupadd --system --gid 10001 mcs \
 && useradd --system --uid 10001 --gid mcs --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin mcs \
 && install -d -o mcs -g mcs -m 0700 /var/lib/mcs-allocator

WORKDIR /app
# The code stays owned by root: the service user can read but not change it.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Loaded at run time: proto.ts walks up from dist/src to find proto/.
COPY --from=build /app/proto ./proto

ENV NODE_ENV=production \
    MCS_LISTEN=0.0.0.0:50051 \
    MCS_DATA_DIR=/var/lib/mcs-allocator
VOLUME ["/var/lib/mcs-allocator"]
EXPOSE 50051 9464
USER 10001:10001

# GET /healthz on the metrics port (MCS_METRICS_LISTEN, in-container
# loopback by default): 200 only while SERVING, i.e. Redis answers and the
# pool is open. Plain HTTP, so it works whatever TLS the gRPC port uses.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "const a=(process.env.MCS_METRICS_LISTEN||'127.0.0.1:9464').replace(/^0\\.0\\.0\\.0:/,'127.0.0.1:').replace(/^\\[::\\]:/,'[::1]:');fetch('http://'+a+'/healthz',{signal:AbortSignal.timeout(4000)}).then(r=>{console.log(r.status);process.exit(r.status===200?0:1)},e=>{console.error(e.message);process.exit(1)})"]

ENTRYPOINT ["node", "dist/src/cli.js"]
CMD ["serve"]
