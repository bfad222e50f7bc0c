# The ouro application image: bot, worker and deploy (one image, different commands).
# The sandbox Python lives in the same image for the process driver; the docker driver
# runs experiments in the separate sandbox image (sandbox/image/Dockerfile).
#
# BASE is any Debian-based image with Node 24 and npm on PATH: node:24-slim by default; CI,
# which cannot pull from Docker Hub, passes the offline base that scripts/app-image.sh makes
# (a debootstrap rootfs + Node from the npm registry). Both stages use it, so the native
# modules npm installs match the runtime's Node and libc.
ARG BASE=node:24-slim

FROM ${BASE} AS build
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
# World-readable (the sandbox's unprivileged uids load these) in the layer that writes them:
# COPY --from keeps the modes, and a chmod -R in a later layer copies every file it touches into
# that layer (minutes for node_modules under load).
RUN ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-fund --no-audit && chmod -R o+rX node_modules
COPY . .
RUN npx tsc -p tsconfig.build.json && npm prune --omit=dev && chmod -R o+rX dist

FROM ${BASE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      python3 python3-venv bubblewrap util-linux ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/ouro
COPY sandbox/requirements.txt sandbox/requirements.txt
# PIP_CERT: the system trust store, so a build behind a TLS-inspecting proxy whose CA the base
# image carries (the offline base copies the host's) reaches PyPI; pip's own certifi would not.
# The sandbox runs as an unprivileged uid, so everything it executes must be world-readable;
# made so in the layer that writes it (a later chmod -R would copy the whole 1 GB venv into a new
# layer, minutes of build time).
RUN python3 -m venv .venv \
 && PIP_CERT=/etc/ssl/certs/ca-certificates.crt .venv/bin/pip install --no-cache-dir --disable-pip-version-check -r sandbox/requirements.txt \
 && chmod -R o+rX .venv
COPY --from=build /src/node_modules node_modules
COPY --from=build /src/dist dist
COPY package.json ./
COPY bin bin
COPY sandbox/python sandbox/python
# The docker driver names its image after the sandbox Dockerfile and requirements.
COPY sandbox/image sandbox/image
RUN chmod -R o+rX package.json bin sandbox

ENV OURO_HOME=/var/lib/ouro \
    OURO_PYTHON=/opt/ouro/.venv/bin/python \
    OURO_HOST=0.0.0.0 \
    NODE_ENV=production
VOLUME ["/var/lib/ouro"]
ENTRYPOINT ["node", "/opt/ouro/bin/ouro.js"]
CMD ["up"]
