"""Custom::MediaSigningKey: the RSA key pair CloudFront verifies media signatures with.

Property `SecretId`: a Secrets Manager secret the template creates (empty, or holding a
placeholder). Create and Update keep the key the secret already holds, if it holds a usable
one (RSA, 2048 bits: what CloudFront takes): a repeated request or an unrelated change
never rotates the key by accident. Otherwise they generate an RSA-2048 key pair and store
the private key (PKCS#8 PEM) as the secret's new value.

The answer's Data carries only public material: `PublicKeyPem` (SubjectPublicKeyInfo PEM,
for AWS::CloudFront::PublicKey EncodedKey) and `Fingerprint` (16 hex chars of the SHA-256
of the public key, for the public key's CallerReference and Name, which must change with
the key). The private key never leaves the secret, never reaches a log or an answer.

Delete does nothing: the secret is the template's own resource and goes with the stack.
To rotate on purpose, point SecretId at a new secret (the physical id changes).
"""
from __future__ import annotations

import hashlib

from .custom_resource import Request, Result, logger

KEY_BITS = 2048


def physical_id(request: Request) -> str:
    return str(request.prop("SecretId", required=True))


def handle(request: Request, secrets_client) -> Result:
    if request.request_type == "Delete":
        return Result(request.physical_id or "media-signing-key-not-created")
    secret_id = physical_id(request)
    public_pem = ensure_key(secrets_client, secret_id)
    return Result(secret_id, {"PublicKeyPem": public_pem, "Fingerprint": fingerprint(public_pem)})


def ensure_key(secrets_client, secret_id: str) -> str:
    """The public key PEM of the secret's key pair, generating and storing one if needed."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    private_key = _stored_key(secrets_client, secret_id)
    if private_key is None:
        private_key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
        pem = private_key.private_bytes(serialization.Encoding.PEM,
                                        serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption()).decode("ascii")
        secrets_client.put_secret_value(SecretId=secret_id, SecretString=pem)
        logger.info("generated a media signing key and stored it in the secret")
    else:
        logger.info("the secret already holds a media signing key: kept")
    return private_key.public_key().public_bytes(
        serialization.Encoding.PEM,
        serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def fingerprint(public_pem: str) -> str:
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_public_key(public_pem.encode("ascii"))
    der = key.public_bytes(serialization.Encoding.DER,
                           serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()[:16]


def _stored_key(secrets_client, secret_id: str):
    """The secret's RSA private key, or None when it holds no value or no usable key."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    try:
        stored = secrets_client.get_secret_value(SecretId=secret_id)
    except secrets_client.exceptions.ResourceNotFoundException:
        # A secret created without a value has no AWSCURRENT version yet; a secret that
        # does not exist at all fails at put_secret_value with its own message.
        return None
    value = stored.get("SecretString")
    if value is None and stored.get("SecretBinary") is not None:
        value = bytes(stored["SecretBinary"]).decode("utf-8", "replace")
    if not value or "PRIVATE KEY-----" not in value:
        return None
    try:
        key = serialization.load_pem_private_key(value.encode("utf-8"), password=None)
    except (ValueError, TypeError):
        # Never the exception's text in a log: it could quote the value.
        logger.warning("the secret holds something that is not a usable private key: "
                       "replacing it")
        return None
    if not isinstance(key, rsa.RSAPrivateKey) or key.key_size != KEY_BITS:
        logger.warning("the secret holds a key CloudFront cannot use (not RSA-2048): "
                       "replacing it")
        return None
    return key
