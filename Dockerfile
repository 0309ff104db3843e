# Herald: a multi-stage build (Rust builder, slim Debian runtime, non-root user).
FROM rust:1-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src src
COPY migrations migrations
COPY benches benches
COPY tests tests
RUN cargo build --release --locked --bin herald

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/herald herald \
 && mkdir -p /var/lib/herald /var/lib/herald-key \
 && chown herald:herald /var/lib/herald /var/lib/herald-key \
 && chmod 0700 /var/lib/herald /var/lib/herald-key
COPY --from=build /src/target/release/herald /usr/local/bin/herald
COPY messages /app/messages
ENV HERALD__DATABASE__URL=sqlite:///var/lib/herald/herald.db \
    HERALD__MESSAGES__DIR=/app/messages \
    HERALD__PRIVACY__KEY_FILE=/var/lib/herald-key/key \
    HERALD__HTTP__LISTEN=0.0.0.0:8080 \
    HERALD__LOG__FORMAT=json
WORKDIR /var/lib/herald
# The privacy key lives on its own volume, never beside the database: pulse answers are
# stored under keyed hashes so that the database alone cannot say who answered, and a
# database backup that carried the key would carry the way to unlink it. Back the two up
# separately and keep the key's copy where the database's readers cannot reach it.
# It is under /var/lib, not /run, because Herald writes it on first start and /run is
# often a tmpfs: a key lost on restart orphans every stored answer.
VOLUME ["/var/lib/herald", "/var/lib/herald-key"]
USER herald
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=30s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
# Images before the key had its own volume kept it at /var/lib/herald/.herald-key. Move it
# once, so an upgrade keeps the key every stored answer was hashed with; a missing key
# would be replaced by a new one and orphan them all. Never overwrites a key in place.
ENTRYPOINT ["/bin/sh", "-c", "old=/var/lib/herald/.herald-key; if [ -f \"$old\" ] && [ ! -e \"$HERALD__PRIVACY__KEY_FILE\" ]; then mv \"$old\" \"$HERALD__PRIVACY__KEY_FILE\" || exit 1; fi; exec herald run \"$@\"", "herald"]
