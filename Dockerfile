# fx-bridge: one small container. Build: docker build -t fx-bridge .
# Run:   docker run -d --restart unless-stopped --env-file .env -p 3000:3000 -v fx-bridge-data:/data fx-bridge
# CLI:   docker exec <container> fx-bridge check   (fx-bridge is on the image's PATH)

# --- build: compile TypeScript and the better-sqlite3 native addon ---
FROM node:22-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 falls back to compiling from source when its prebuilt binary is unavailable.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# Production runs the compiled JavaScript (npm run start:dist), so TypeScript and tsx stay behind.
# The native addon needs only its .node file at run time: its compiler objects and the bundled
# SQLite sources (deps/, src/) are left out of the image.
RUN npm run build && npm prune --omit=dev \
 && rm -rf node_modules/better-sqlite3/build/Release/obj* node_modules/better-sqlite3/build/Release/.deps \
           node_modules/better-sqlite3/build/Release/test_extension.node node_modules/better-sqlite3/build/Release/sqlite3.a \
           node_modules/better-sqlite3/deps node_modules/better-sqlite3/src

# --- runtime: no compilers, no dev dependencies, not root ---
FROM node:22-bookworm-slim
ENV NODE_ENV=production \
    PORT=3000 \
    STORE_URL=sqlite:/data/fx-bridge.db
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
RUN mkdir -p /data && chown node:node /data \
 && chmod +x /app/dist/cli.js && ln -s /app/dist/cli.js /usr/local/bin/fx-bridge
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM reaches node directly (exec form), so the bridge stops cleanly.
CMD ["node", "dist/main.js"]
