# syntax=docker/dockerfile:1
# One image for every Floodgate component; compose picks the component with `command`
# (e.g. command: ["gateway/src/main.ts"]). Code runs from source with tsx, as in development.

# ── deps: install the workspace from the lockfile only, so source edits keep this layer cached ──
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY shared/package.json shared/
COPY database/package.json database/
COPY api-server/package.json api-server/
COPY load-balancer/package.json load-balancer/
COPY gateway/package.json gateway/
COPY cli/package.json cli/
# Versions come from package-lock.json. `npm install` rather than `npm ci`: the lock was written
# against a registry mirror without other platforms' optional binaries (Biome's darwin/win32 builds),
# and `npm ci` refuses such a lock as "out of sync" (same as .ci/run). Use `npm ci` once the lock is
# regenerated against the public registry. Dev dependencies stay: tsx, the runtime loader, is one.
RUN npm install --no-audit --no-fund && npm cache clean --force

# ── runtime ──
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps --chown=node:node /app ./
COPY --chown=node:node . .
# The node image's unprivileged user (uid 1000); nothing in the image runs as root.
USER node
EXPOSE 3000 3001 3002 3003 8080
ENTRYPOINT ["node", "--import", "tsx", "--conditions=source"]
CMD ["gateway/src/main.ts"]
