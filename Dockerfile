# contactsd in a container (docs/install.md):
#   docker build -t contactsd .
#   docker run -d --name contactsd -p 8080:8080 -v contactsd-data:/data contactsd
#   docker exec contactsd contactsd org create --name "My Company"

# Build: the project's own install script (build packages only) and the server target alone, with
# the flags every test and benchmark of the project uses. The build fetches swagger-ui-dist from
# the npm registry (web/docs/package-lock.json), as on any machine.
FROM debian:12 AS build
WORKDIR /src
COPY scripts/install-deps.sh scripts/
RUN scripts/install-deps.sh build && rm -rf /var/lib/apt/lists/*
COPY . .
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
 && cmake --build build --target contactsd \
 && cmake --install build --prefix /opt/contactsd --strip

# Run: the shared libraries the binary links and nothing else. tests/package/test_dockerfile.sh
# checks this list against `ldd build/contactsd`: keep one package per line, sorted.
FROM debian:12-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates \
      libboost-json1.81.0 \
      libboost-url1.81.0 \
      libc6 \
      libcsv3 \
      libfmt9 \
      libgcc-s1 \
      libjwt0 \
      libphonenumber8 \
      libpq5 \
      libprometheus-cpp-core1.0 \
      libspdlog1.10 \
      libsqlite3-0 \
      libssl3 \
      libstdc++6 \
 && rm -rf /var/lib/apt/lists/*
# A fixed UID, so that a directory mounted on /data can be given to it: chown 10001 DIR.
RUN useradd --system --uid 10001 --user-group --home-dir /data --no-create-home \
      --shell /usr/sbin/nologin contactsd \
 && install -d -o contactsd -g contactsd -m 0750 /data
COPY --from=build /opt/contactsd/bin/contactsd /usr/local/bin/contactsd
COPY --from=build /opt/contactsd/share/doc/contactsd /usr/local/share/doc/contactsd
COPY packaging/docker-healthcheck.sh /usr/local/bin/contactsd-healthcheck
USER contactsd
WORKDIR /data
ENV CONTACTSD_DB=sqlite:/data/contacts.db \
    CONTACTSD_LISTEN=0.0.0.0:8080 \
    CONTACTSD_MODEL=standard
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s CMD ["contactsd-healthcheck"]
ENTRYPOINT ["contactsd"]
CMD ["serve"]
