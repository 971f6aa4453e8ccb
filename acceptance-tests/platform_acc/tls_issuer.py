"""A local HTTPS server standing in for a cluster's OIDC issuer: a fresh CA
signs a certificate for `localhost`, the server presents [leaf, CA], and the
CA goes into a PEM file for SSL_CERT_FILE. The expected thumbprint is the
SHA-1 of the CA certificate, the top of the served chain."""
from __future__ import annotations

import datetime
import hashlib
import ssl
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def _cert(subject: str, issuer_name: x509.Name, public_key, signing_key, ca: bool) -> x509.Certificate:
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(issuer_name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                          key_encipherment=False, data_encipherment=False, key_agreement=False,
                          encipher_only=False, decipher_only=False), critical=True)
    else:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        builder = builder.add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    return builder.sign(signing_key, hashes.SHA256())


@dataclass
class TlsIssuer:
    url: str
    ca_file: str
    ca_sha1: str
    server: ThreadingHTTPServer

    @classmethod
    def start(cls, directory: Path) -> "TlsIssuer":
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "platform test issuer CA")])
        ca = _cert("platform test issuer CA", ca_name, ca_key.public_key(), ca_key, ca=True)
        leaf_key = ec.generate_private_key(ec.SECP256R1())
        leaf = _cert("localhost", ca_name, leaf_key.public_key(), ca_key, ca=False)
        pem = lambda c: c.public_bytes(serialization.Encoding.PEM)  # noqa: E731
        ca_file = directory / "ca.pem"
        ca_file.write_bytes(pem(ca))
        chain = directory / "chain.pem"
        chain.write_bytes(pem(leaf) + pem(ca))
        key_file = directory / "key.pem"
        key_file.write_bytes(leaf_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                    serialization.NoEncryption()))

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                body = b'{"issuer": "local"}'
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(chain), str(key_file))
        server.socket = context.wrap_socket(server.socket, server_side=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        port = server.server_address[1]
        return cls(
            url=f"https://localhost:{port}/id/LOCALTESTISSUER",
            ca_file=str(ca_file),
            ca_sha1=hashlib.sha1(ca.public_bytes(serialization.Encoding.DER)).hexdigest(),
            server=server,
        )

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
