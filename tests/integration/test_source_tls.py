"""Parts and the probe read the upload over https (a presigned S3 URL): ffmpeg must check the
server's certificate, which it does not do unless told to. Against a local https server with a
self-signed certificate: refused with the CA bundle boto3 trusts, read with one that holds
the certificate."""
from __future__ import annotations

import http.server
import ssl
import ipaddress
import threading
from datetime import datetime, timedelta, timezone
from functools import partial

import pytest

from tests.support import media

pytestmark = pytest.mark.slow


def _self_signed(cert_path, key_path):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=1)).not_valid_after(now + timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .sign(key, hashes.SHA256()))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))


@pytest.fixture
def https_clip(tmp_path):
    media.make_clip(str(tmp_path / "clip.mp4"), 320, 240, seconds=1, audio=False)
    _self_signed(tmp_path / "cert.pem", tmp_path / "key.pem")
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), partial(http.server.SimpleHTTPRequestHandler, directory=tmp_path))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}/clip.mp4", tmp_path / "cert.pem"
    finally:
        server.shutdown()


def test_a_server_whose_certificate_is_not_trusted_is_refused(https_clip, settings_env):
    from tuber_transcode import tools

    url, _cert = https_clip
    with pytest.raises(tools.NotAVideo):
        tools.probe(url)


def test_a_trusted_server_is_read(https_clip, settings_env, monkeypatch):
    import botocore.httpsession

    from tuber_transcode import tools

    url, cert = https_clip
    monkeypatch.setattr(botocore.httpsession, "get_cert_path", lambda verify: str(cert))
    found = tools.probe(url)
    assert (found.width, found.height) == (320, 240)
