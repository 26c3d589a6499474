# One image for every MSEC-TS component; the command picks which one runs (see docker-compose.yml).
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
COPY libs ./libs
COPY services ./services
COPY agent ./agent
COPY examples ./examples
COPY cli ./cli
COPY tsconfig.base.json tsconfig.build.json ./
# The console (services/gateway/web) is built here too: the gateway serves it from web/dist.
RUN npm ci --no-audit --no-fund && node_modules/.bin/tsc -b tsconfig.build.json && node services/gateway/scripts/build-web.mjs --force && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app /app
USER node
CMD ["node", "services/gateway/dist/src/main.js"]
