# sentry-tg receiver image. Built by its users: `docker build -t sentry-tg .` (README: "Running in
# production"). Build stage compiles the TypeScript; the runtime stage holds what the npm package
# holds (package.json, bin, dist, templates) plus the production dependencies, and runs as a
# non-root user with the delivery database on a volume.
ARG NODE_VERSION=22

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# No install scripts: the compiler needs no native module (and `prepare` would build too early).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8003 \
    SENTRY_TG_DATA_DIR=/data
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only. --ignore-scripts skips the package's own `prepare` (it builds
# with devDependencies); better-sqlite3 is then built on its own: a prebuilt binary when one fits,
# otherwise compiled with a toolchain that is removed in the same layer.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm rebuild better-sqlite3 \
 && apt-get purge -y python3 make g++ && apt-get autoremove -y \
 && rm -rf /var/lib/apt/lists/* /root/.npm /root/.cache
COPY bin ./bin
COPY templates ./templates
COPY --from=build /src/dist ./dist
RUN useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin sentry-tg \
 && mkdir -p /data && chown sentry-tg:sentry-tg /data && chmod 0700 /data
USER sentry-tg
VOLUME ["/data"]
EXPOSE 8003
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8003) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Settings come from the environment (`docker run --env-file sentry-tg.env`); any command works:
# `docker run --rm sentry-tg doctor`.
ENTRYPOINT ["node", "/app/bin/sentry-tg.js"]
CMD ["serve"]
