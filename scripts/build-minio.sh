#!/usr/bin/env bash
# Build the MinIO server from source into .cache/bin/minio (MinIO community ships no binaries).
#
# Usage: scripts/build-minio.sh [--optional] [--force]
#   --optional  a failed build exits 0 with "MinIO build failed; SeaweedFS will be used"
#   --force     rebuild even if the binary for the pinned version is already there
#
# Idempotent: skips the build when .cache/bin/minio exists and its version marker
# (.cache/bin/minio.version) names the pinned module version. On 2 cores a cold build takes
# ~4 min (compile alone ~3 min, the rest module downloads); with a warm Go build cache ~10 s.
set -euo pipefail

# Pinned pseudo-version: the `latest` of github.com/minio/minio on the Go proxy when pinned.
readonly MINIO_MODULE="github.com/minio/minio"
readonly MINIO_VERSION="v0.0.0-20260212201848-7aac2a2c5b7c"
readonly WANT="${MINIO_MODULE}@${MINIO_VERSION}"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly ROOT
readonly BIN_DIR="${ROOT}/.cache/bin"
readonly BIN="${BIN_DIR}/minio"
readonly MARKER="${BIN_DIR}/minio.version"
readonly LOG="${ROOT}/.cache/minio-build.log"

optional=0
force=0
stage="" # global: the EXIT trap runs after main has returned

fail() {
    echo "build-minio: ERROR: $*" >&2
    if [[ ${optional} -eq 1 ]]; then
        echo "MinIO build failed; SeaweedFS will be used"
        exit 0
    fi
    exit 1
}

up_to_date() {
    [[ -x "${BIN}" ]] || return 1
    if [[ -f "${MARKER}" ]]; then
        [[ "$(cat "${MARKER}")" == "${WANT}" ]]
        return
    fi
    # A binary built without this script (no marker): trust the module version Go embedded.
    if command -v go >/dev/null 2>&1 &&
        go version -m "${BIN}" 2>/dev/null |
        awk -v m="${MINIO_MODULE}" -v v="${MINIO_VERSION}" \
            '$1 == "mod" && $2 == m && $3 == v { found = 1 } END { exit !found }'; then
        echo "${WANT}" >"${MARKER}"
        return 0
    fi
    return 1
}

# `go install -v` prints one package path per line: count those (and module downloads) as
# progress, pass every other line (warnings, errors) through unchanged.
progress() {
    awk '
        /^go: downloading / { d++; if (d % 50 == 0) printf "build-minio: %d modules downloaded ...\n", d; fflush(); next }
        /^[^ #][^ ]*$/      { p++; if (p % 200 == 0) printf "build-minio: %d packages compiled ...\n", p; fflush(); next }
        { print; fflush() }
        END { printf "build-minio: %d modules downloaded, %d packages compiled\n", d, p }
    '
}

main() {
    for arg in "$@"; do
        case "${arg}" in
            --optional) optional=1 ;;
            --force) force=1 ;;
            -h | --help)
                sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
                exit 0
                ;;
            *)
                echo "build-minio: unknown argument: ${arg}" >&2
                exit 2
                ;;
        esac
    done

    mkdir -p "${BIN_DIR}"

    # `make` may run with a minimal PATH; the standard Go install location still counts.
    if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then
        PATH="/usr/local/go/bin:${PATH}"
    fi

    # Parallel `make` targets may call us twice; the second waits and then finds the binary.
    exec 9>"${BIN_DIR}/.minio-build.lock"
    flock 9

    if [[ ${force} -eq 0 ]] && up_to_date; then
        # Newer than this script, so make's `.cache/bin/minio: scripts/build-minio.sh` settles.
        touch "${BIN}"
        echo "build-minio: ${BIN} is up to date (${MINIO_VERSION})"
        exit 0
    fi

    if ! command -v go >/dev/null 2>&1; then
        if [[ ${force} -eq 0 && -x "${BIN}" ]]; then
            echo "build-minio: WARNING: no 'go' to check ${BIN}; keeping the existing binary" >&2
            exit 0
        fi
        fail "'go' not found on PATH (need Go >= 1.24, e.g. /usr/local/go/bin); cannot build MinIO"
    fi

    echo "build-minio: building ${WANT} with $(go version | awk '{print $3}') (log: ${LOG})"
    echo "build-minio: a cold build takes several minutes ..."

    # Build into a scratch GOBIN and move into place, so an interrupted build never leaves a
    # half-written or wrong-version binary where MinioServer looks for it.
    stage="$(mktemp -d "${BIN_DIR}/.minio-stage.XXXXXX")"
    trap 'if [[ -n "${stage}" ]]; then rm -rf "${stage}"; fi' EXIT

    local start rc elapsed
    start=$(date +%s)
    set +e
    # CGO_ENABLED=0: MinIO needs no cgo and upstream releases are static; no C toolchain needed.
    # GOTOOLCHAIN=local: never download a different Go toolchain at build time.
    # GOFLAGS=-mod=mod: a caller's GOFLAGS=-mod=vendor makes `go install pkg@version` refuse.
    env GOBIN="${stage}" CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS="-mod=mod" \
        go install -v -trimpath "${WANT}" 2>&1 | tee "${LOG}" | progress
    rc=${PIPESTATUS[0]}
    set -e
    elapsed=$(($(date +%s) - start))

    if [[ ${rc} -ne 0 || ! -x "${stage}/minio" ]]; then
        echo "build-minio: go install exited with rc=${rc} after ${elapsed}s; the errors:" >&2
        # Package-path lines are progress; what is left is the actual error output.
        grep -v -E '^([^ #][^ ]*|go: downloading .*)$' "${LOG}" | tail -n 30 >&2 || true
        fail "MinIO build failed (full log: ${LOG})"
    fi

    mv -f "${stage}/minio" "${BIN}"
    echo "${WANT}" >"${MARKER}"
    echo "build-minio: built ${BIN} in ${elapsed}s"
    "${BIN}" --version | head -n 1
}

# Everything runs from main, parsed in full before it starts: editing this file while a
# build runs cannot make bash execute half-read lines.
main "$@"
