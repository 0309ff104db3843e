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
 && mkdir -p /var/lib/herald \
 && chown herald:herald /var/lib/herald
COPY --from=build /src/target/release/herald /usr/local/bin/herald
COPY messages /app/messages
ENV HERALD__DATABASE__URL=sqlite:///var/lib/herald/herald.db \
    HERALD__MESSAGES__DIR=/app/messages \
    HERALD__PRIVACY__KEY_FILE=/var/lib/herald/.herald-key \
    HERALD__HTTP__LISTEN=0.0.0.0:8080 \
    HERALD__LOG__FORMAT=json
WORKDIR /var/lib/herald
VOLUME ["/var/lib/herald"]
USER herald
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=30s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["herald", "run"]
