# Herald: a multi-stage build (Rust builder, slim Debian runtime, non-root user).
# Base images are pinned: a rebuild months later gets the same toolchain and system.
# Bump both deliberately, together with rust-version checks, never by a floating tag.
FROM rust:1.95.0-bookworm AS build
WORKDIR /src
# The dependency layer: built from the manifests alone, reused until Cargo.lock changes.
COPY Cargo.toml Cargo.lock ./
RUN mkdir -p src benches tests/e2e \
 && echo 'fn main() {}' > src/main.rs && touch src/lib.rs \
 && for b in interactions broadcast pulse sentiment scheduler enterprise; do echo 'fn main() {}' > "benches/$b.rs"; done \
 && echo 'fn main() {}' > tests/e2e/main.rs \
 && cargo build --release --locked --bin herald \
 && rm -rf src benches tests
COPY src src
COPY migrations migrations
COPY benches benches
COPY tests tests
# The placeholders' build is older than the real sources; touch so cargo rebuilds Herald.
RUN touch src/main.rs src/lib.rs && cargo build --release --locked --bin herald

FROM debian:12.12-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/herald herald \
 && mkdir -p /var/lib/herald /var/lib/herald-key /plan \
 && chown herald:herald /var/lib/herald /var/lib/herald-key /plan \
 && chmod 0700 /var/lib/herald /var/lib/herald-key
COPY --from=build /src/target/release/herald /usr/local/bin/herald
# The shipped plan. /plan is a volume: a new named volume starts as this copy (Docker
# fills an empty named volume from the image), and `/comms reload` reads the volume, so
# edits there take effect without a rebuild. A bind mount starts empty: fill it with
# `docker run --rm -v "$PWD/plan:/plan" herald init /plan` or your own plan folder.
COPY --chown=herald:herald messages /plan
ENV HERALD__DATABASE__URL=sqlite:///var/lib/herald/herald.db \
    HERALD__MESSAGES__DIR=/plan \
    HERALD__PRIVACY__KEY_FILE=/var/lib/herald-key/key \
    HERALD__PRIVACY__OLD_KEY_FILE=/var/lib/herald/.herald-key \
    HERALD__HTTP__LISTEN=0.0.0.0:8080 \
    HERALD__LOG__FORMAT=json
WORKDIR /var/lib/herald
# The privacy key lives on its own volume, never beside the database: pulse answers are
# stored under keyed hashes so that the database alone cannot say who answered, and a
# database backup that carried the key would carry the way to unlink it. Back the two up
# separately and keep the key's copy where the database's readers cannot reach it.
# It is under /var/lib, not /run, because Herald writes it on first start and /run is
# often a tmpfs: a key lost on restart orphans every stored answer. Images before the key
# had its own volume kept it at /var/lib/herald/.herald-key: privacy.old_key_file moves
# it once, and never over a key already in place.
VOLUME ["/var/lib/herald", "/var/lib/herald-key", "/plan"]
USER herald
EXPOSE 8080
# Liveness only (the process and its scheduler): a Discord or database outage turns
# /readyz 503 but must not restart Herald in a loop. Readiness is for load balancers.
HEALTHCHECK --interval=30s --timeout=3s --start-period=30s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/livez || exit 1
ENTRYPOINT ["herald"]
CMD ["run"]
