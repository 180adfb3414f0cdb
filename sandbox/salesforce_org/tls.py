"""Plain HTTP and TLS on the same port.

simple-salesforce builds every URL as ``https://<host:port>/...`` whatever
scheme ``instance_url`` has, so an org reachable only over plain HTTP could not
be used by it unchanged. The sandbox therefore peeks at the first byte of each
connection: a TLS ClientHello (0x16) is wrapped with a self-signed certificate
for 127.0.0.1/localhost, anything else is served as plain HTTP. Clients trust
the certificate by pointing ``verify`` (or ``REQUESTS_CA_BUNDLE``) at the PEM the
org writes (``--tls-cert-file``) or serves at ``/__sandbox__/tls-cert.pem``.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import socket
import ssl
import tempfile

from werkzeug.serving import WSGIRequestHandler


def self_signed_pem() -> tuple[bytes, bytes]:
    """A fresh certificate (PEM) and key (PEM) for 127.0.0.1, ::1 and localhost."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=365))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("localhost"),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                    x509.IPAddress(ipaddress.ip_address("::1")),
                ]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return cert_pem, key_pem


def server_context(cert_pem: bytes, key_pem: bytes) -> ssl.SSLContext:
    """An SSL server context; the key touches disk only for the moment of loading."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.TemporaryDirectory() as tmp:
        cert_path = os.path.join(tmp, "cert.pem")
        key_path = os.path.join(tmp, "key.pem")
        with open(cert_path, "wb") as fh:
            fh.write(cert_pem)
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(key_pem)
        context.load_cert_chain(cert_path, key_path)
    return context


def dual_protocol_handler(context: ssl.SSLContext | None) -> type[WSGIRequestHandler]:
    """A werkzeug request handler that speaks TLS when the client starts a handshake."""

    class DualProtocolHandler(WSGIRequestHandler):
        tls_failed = False

        def setup(self) -> None:
            if context is not None:
                try:
                    self.request.settimeout(30)
                    first = self.request.recv(1, socket.MSG_PEEK)
                    self.request.settimeout(None)
                    if first == b"\x16":
                        self.request = context.wrap_socket(self.request, server_side=True)
                except (OSError, ssl.SSLError):
                    self.tls_failed = True
            super().setup()

        def handle(self) -> None:
            if self.tls_failed:
                return
            super().handle()

        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            # Query strings carry SOQL, and SOQL can carry patient values: log the path only.
            # The environ is built already; nothing reads self.path after this point.
            self.path = self.path.split("?", 1)[0]
            self.requestline = self.requestline.split("?", 1)[0]
            super().log_request(code, size)

        def make_environ(self):  # type: ignore[no-untyped-def]
            environ = super().make_environ()
            if isinstance(self.connection, ssl.SSLSocket):
                environ["wsgi.url_scheme"] = "https"
            return environ

    return DualProtocolHandler
