# The ouro application image: bot, worker and deploy (one image, different commands).
# The sandbox Python lives in the same image for the process driver; the docker driver
# runs experiments in the separate sandbox image (sandbox/image/Dockerfile).

FROM node:24-slim AS build
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
RUN ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-fund --no-audit
COPY . .
RUN npx tsc -p tsconfig.build.json && npm prune --omit=dev

FROM node:24-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      python3 python3-venv bubblewrap util-linux ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/ouro
COPY sandbox/requirements.txt sandbox/requirements.txt
RUN python3 -m venv .venv \
 && .venv/bin/pip install --no-cache-dir --disable-pip-version-check -r sandbox/requirements.txt
COPY --from=build /src/node_modules node_modules
COPY --from=build /src/dist dist
COPY package.json ./
COPY bin bin
COPY sandbox/python sandbox/python
# The docker driver names its image after the sandbox Dockerfile and requirements.
COPY sandbox/image sandbox/image
RUN chmod -R o+rX /opt/ouro

ENV OURO_HOME=/var/lib/ouro \
    OURO_PYTHON=/opt/ouro/.venv/bin/python \
    OURO_HOST=0.0.0.0 \
    NODE_ENV=production
VOLUME ["/var/lib/ouro"]
ENTRYPOINT ["node", "/opt/ouro/bin/ouro.js"]
CMD ["up"]
