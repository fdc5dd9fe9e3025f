# capplan for CI systems that run containers. A build stage compiles capplan from this
# repository with its lock file; the final image holds only the binary and the shipped catalog,
# and runs as a user without privileges.
#
#   docker build -t capplan .
#   docker run --rm -v "$PWD:/repo" -w /repo capplan validate --format gitlab contracts
#
# With no catalog given and no ./contracts, commands use the catalog built into the binary;
# /usr/share/capplan/contracts holds the same files, for reading or `--catalog`.

FROM docker.io/library/rust:1.88-slim-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock build.rs ./
COPY src src
COPY contracts contracts
COPY assets/fonts assets/fonts
RUN cargo install --path . --locked --root /out

# Debian 12 with glibc and libgcc only (what a Rust binary links), no shell and no package
# manager; `nonroot` is user 65532.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /out/bin/capplan /usr/local/bin/capplan
COPY --from=build /src/contracts /usr/share/capplan/contracts
USER nonroot
WORKDIR /repo
ENTRYPOINT ["/usr/local/bin/capplan"]
CMD ["--help"]
