# syntax=docker/dockerfile:1
#
# The Switchboard image: one static binary on distroless/static, running as
# the image's non-root user (65532), SQLite in the /data volume, listening
# on 0.0.0.0:8080. Build it with
#
#   docker build -t switchboard \
#     --build-arg VERSION=$(git describe --tags --always --dirty) \
#     --build-arg COMMIT=$(git rev-parse HEAD) \
#     --build-arg COMMIT_DATE=$(git log -1 --format=%cI) \
#     --build-arg MODIFIED=$(test -n "$(git status --porcelain)" && echo true) .
#
# (.git stays out of the build context, so the commit comes from the
# build arguments; without them the image says version devel.) docs/install.md has the rest.

FROM golang:1.26 AS build
WORKDIR /src
# Modules come through the module proxy, in a layer of their own that a
# change to the sources does not invalidate.
ENV GOPROXY=https://proxy.golang.org,direct \
    CGO_ENABLED=0
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=devel
ARG COMMIT=
ARG COMMIT_DATE=
ARG MODIFIED=
RUN --mount=type=cache,target=/root/.cache/go-build \
    go build -trimpath -buildvcs=false \
      -ldflags "-s -w \
        -X github.com/switchboard/switchboard/internal/cli.version=${VERSION} \
        -X github.com/switchboard/switchboard/internal/cli.commit=${COMMIT} \
        -X github.com/switchboard/switchboard/internal/cli.date=${COMMIT_DATE} \
        -X github.com/switchboard/switchboard/internal/cli.modified=${MODIFIED}" \
      -o /out/switchboard ./cmd/switchboard \
 && mkdir /out/data

# distroless/static: CA certificates, time zone data, /etc/passwd with
# nonroot (65532) and /tmp; no shell, no package manager, no curl (health
# is the binary's own subcommand).
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/switchboard /switchboard
# A named volume mounted here starts as a copy of this directory, so it is
# the non-root user's; a bind mount must be made writable for 65532.
COPY --from=build --chown=65532:65532 /out/data /data
VOLUME /data
USER 65532:65532
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["/switchboard", "health"]
ENTRYPOINT ["/switchboard"]
CMD ["serve", "--addr", "0.0.0.0:8080", "--data", "/data"]
