# A local stand-in for python:3.11-slim-bookworm, for CI machines that cannot pull from Docker
# Hub: Debian bookworm (imported from debootstrap as BASE) with its python3 (3.11), venv and pip.
# It trusts the same certificate authorities as the host, so that pip inside the project's build
# reaches the package index the way the host does.
ARG BASE
FROM ${BASE}

COPY host-ca-certificates.crt /tmp/host-ca-certificates.crt
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        ca-certificates python3 python3-pip python3-venv \
 && rm -rf /var/lib/apt/lists/* \
 && mv /tmp/host-ca-certificates.crt /etc/ssl/certs/ca-certificates.crt

# What the official image sets too; pip and Python's ssl read the host's authorities.
ENV LANG=C.UTF-8 \
    PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
CMD ["python3"]
