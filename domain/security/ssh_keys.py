"""OpenSSH public keys: parse one line, check its type and strength, compute its fingerprint.

The key itself is checked by `cryptography` (already installed with asyncssh): it refuses
an ECDSA point off its curve or an Ed25519 key of the wrong length, which a parser of
ours would have to re-implement. It is wrapped here so that nothing else in the domain
depends on it, and so the fingerprint is OpenSSH's own (SHA-256 of the key blob, base64
without padding), the same one `ssh-keygen -l` prints and the SSH server computes from
the key a client offers.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from dataclasses import dataclass

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import load_ssh_public_key

from domain.errors import ValidationError

MIN_RSA_BITS = 3072
MAX_KEY_TEXT = 16 * 1024
MAX_COMMENT = 200
FIELD = "public_key"

# What OpenSSH writes in a .pub file, and the name SkillHub shows for it.
ACCEPTED_TYPES = {
    "ssh-ed25519": "ED25519",
    "ecdsa-sha2-nistp256": "ECDSA",
    "ecdsa-sha2-nistp384": "ECDSA",
    "ecdsa-sha2-nistp521": "ECDSA",
    "ssh-rsa": "RSA",
}
REFUSED_TYPES = {
    "ssh-dss": "DSA keys are not accepted (OpenSSH itself disabled them): use an ed25519 key",
    "sk-ssh-ed25519@openssh.com": "security-key (FIDO) keys are not supported yet: use an ed25519 key",
    "sk-ecdsa-sha2-nistp256@openssh.com": "security-key (FIDO) keys are not supported yet: use an ed25519 key",
}
ACCEPTED_LABEL = "ed25519, ECDSA or RSA (3072 bits or more)"


@dataclass(frozen=True)
class PublicKey:
    """A checked public key: what SkillHub stores and shows."""

    key_type: str  # the OpenSSH type name, e.g. "ssh-ed25519"
    blob: bytes  # the SSH wire-format key, as in the base64 field of the .pub line
    bits: int
    comment: str

    @property
    def algorithm(self) -> str:
        """ED25519, ECDSA or RSA, as `ssh-keygen -l` names it."""
        return ACCEPTED_TYPES[self.key_type]

    @property
    def fingerprint(self) -> str:
        return fingerprint_of(self.blob)

    @property
    def openssh(self) -> str:
        """The key as one authorized_keys line, without its comment."""
        return f"{self.key_type} {base64.b64encode(self.blob).decode()}"


def fingerprint_of(blob: bytes) -> str:
    """OpenSSH's SHA256 fingerprint of a key blob: `SHA256:` + unpadded base64."""
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def _blob_type(blob: bytes) -> str:
    """The type name the blob itself starts with (it must match the line's)."""
    if len(blob) < 4:
        return ""
    (length,) = struct.unpack(">I", blob[:4])
    return blob[4:4 + length].decode("ascii", "replace") if length <= 64 else ""


def _clean_comment(raw: str) -> str:
    printable = "".join(ch if ch.isprintable() else " " for ch in raw).strip()
    return printable[:MAX_COMMENT]


def parse_public_key(text: object) -> PublicKey:
    """Check one OpenSSH public key line (as in a .pub file) or raise a ValidationError that says why."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationError("the key is not text: give the .pub file, e.g. ~/.ssh/id_ed25519.pub",
                                  field=FIELD) from None
    if not isinstance(text, str):
        raise ValidationError("the key must be text", field=FIELD)
    if len(text) > MAX_KEY_TEXT:
        raise ValidationError(f"the key is longer than {MAX_KEY_TEXT // 1024} KiB: give one .pub file", field=FIELD)
    if "PRIVATE KEY" in text:
        raise ValidationError("this is a PRIVATE key: never share it; give the .pub file next to it", field=FIELD)
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    if not lines:
        raise ValidationError("no key found: paste the one line of a .pub file", field=FIELD)
    if len(lines) > 1:
        raise ValidationError(f"{len(lines)} lines found: add one key at a time", field=FIELD)
    parts = lines[0].split(None, 2)
    key_type = parts[0]
    if key_type in REFUSED_TYPES:
        raise ValidationError(REFUSED_TYPES[key_type], field=FIELD)
    if key_type not in ACCEPTED_TYPES:
        hint = " (authorized_keys options are not accepted)" if "=" in key_type or "," in key_type else ""
        raise ValidationError(f"not an OpenSSH public key of a known type{hint}: use {ACCEPTED_LABEL}",
                              field=FIELD)
    if len(parts) < 2:
        raise ValidationError("the key's base64 part is missing", field=FIELD)
    try:
        blob = base64.b64decode(parts[1], validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError("the key's base64 part is damaged", field=FIELD) from None
    if _blob_type(blob) != key_type:
        raise ValidationError("the key is damaged or cut short: its content does not match its type", field=FIELD)
    try:
        key = load_ssh_public_key(f"{key_type} {parts[1]}".encode())
    except (ValueError, UnsupportedAlgorithm):
        raise ValidationError("the key is damaged or not a valid key of its type", field=FIELD) from None
    if isinstance(key, rsa.RSAPublicKey):
        bits = key.key_size
        if bits < MIN_RSA_BITS:
            raise ValidationError(f"this RSA key has {bits} bits: SkillHub needs {MIN_RSA_BITS} or more "
                                  "(or an ed25519 key)", field=FIELD)
    elif isinstance(key, ec.EllipticCurvePublicKey):
        bits = key.curve.key_size
    elif isinstance(key, ed25519.Ed25519PublicKey):
        bits = 256
    else:  # pragma: no cover - the accepted types above cover what cryptography returns
        raise ValidationError(f"unsupported key: use {ACCEPTED_LABEL}", field=FIELD)
    return PublicKey(key_type, blob, bits, _clean_comment(parts[2]) if len(parts) > 2 else "")


def describe_blob(blob: bytes) -> PublicKey | None:
    """The key a client offered (its wire blob), or None when SkillHub would not accept it."""
    key_type = _blob_type(blob)
    try:
        return parse_public_key(f"{key_type} {base64.b64encode(blob).decode()}")
    except ValidationError:
        return None
