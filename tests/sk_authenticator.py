"""A software FIDO authenticator for tests: ``sk-ssh-ed25519@openssh.com`` and
``sk-ecdsa-sha2-nistp256@openssh.com`` keys without hardware.

A security key signs SHA256(application) || flags || counter || SHA256(message) with Ed25519 or
ECDSA P-256 (OpenSSH PROTOCOL.u2f), and OpenSSH wraps that in an SSHSIG (PROTOCOL.sshsig). This module makes
such keys and signatures with chosen flags, and is the ``gpg.ssh.program`` git and
``guardtrail approve`` call for ``-Y sign``; every other ``ssh-keygen`` call (``-Y verify``,
``-Y find-principals``) goes to the real one, so real git and real ``ssh-keygen -Y verify`` do all
the rest.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
import sys
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

KEY_TYPE = "sk-ssh-ed25519@openssh.com"
ECDSA_KEY_TYPE = "sk-ecdsa-sha2-nistp256@openssh.com"
USER_PRESENT = 0x01
USER_VERIFIED = 0x04
_ROOT = Path(__file__).resolve().parent.parent


def _string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def _mpint(value: int) -> bytes:
    data = value.to_bytes((value.bit_length() + 8) // 8, "big")  # a leading zero keeps it positive
    return _string(data)


class _Signer:
    """One key's public blob and raw signature, Ed25519 or ECDSA P-256."""

    def __init__(self, kind: str, secret: bytes) -> None:
        self.kind = kind
        if kind == "ecdsa":
            self._ec = ec.derive_private_key(int.from_bytes(secret, "big"), ec.SECP256R1())
            self.key_type = ECDSA_KEY_TYPE
        else:
            self._ed = Ed25519PrivateKey.from_private_bytes(secret)
            self.key_type = KEY_TYPE

    def public_blob(self, application: str) -> bytes:
        if self.kind == "ecdsa":
            point = self._ec.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
            core = _string(b"nistp256") + _string(point)
        else:
            core = _string(self._ed.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))
        return _string(self.key_type.encode()) + core + _string(application.encode())

    def sign(self, data: bytes) -> bytes:
        """The signature proper, as the key type's SSH encoding puts it."""
        if self.kind == "ecdsa":
            r, s = decode_dss_signature(self._ec.sign(data, ec.ECDSA(hashes.SHA256())))
            return _mpint(r) + _mpint(s)
        return self._ed.sign(data)


@dataclass
class SkKey:
    """A software security key: its "private key file" (our JSON) and the ``.pub`` beside it."""

    private: Path
    public_line: str

    @classmethod
    def generate(
        cls,
        folder: Path,
        name: str = "sk",
        *,
        flags: int = USER_PRESENT,
        application: str = "ssh:",
        kind: str = "ed25519",
    ) -> SkKey:
        """A new key (``kind`` ``ed25519`` or ``ecdsa``) whose signatures carry ``flags``."""
        folder.mkdir(parents=True, exist_ok=True)
        seed = os.urandom(32)
        signer = _Signer(kind, seed)
        private = folder / name
        state = {"kind": kind, "seed": seed.hex(), "application": application, "flags": flags, "counter": 0}
        private.write_text(json.dumps(state), encoding="utf-8")
        line = f"{signer.key_type} {base64.b64encode(signer.public_blob(application)).decode()} {name}"
        private.with_name(name + ".pub").write_text(line + "\n", encoding="utf-8")
        return cls(private, line)

    def set_flags(self, flags: int) -> None:
        """Sign from now on with ``flags`` (a touch, a PIN, or neither)."""
        state = json.loads(self.private.read_text(encoding="utf-8"))
        state["flags"] = flags
        self.private.write_text(json.dumps(state), encoding="utf-8")


def sign(key_file: Path, namespace: str, message: bytes) -> str:
    """An armored SSHSIG over ``message`` in ``namespace``, as ``ssh-keygen -Y sign`` writes it."""
    state = json.loads(key_file.read_text(encoding="utf-8"))
    state["counter"] += 1
    key_file.write_text(json.dumps(state), encoding="utf-8")
    signer = _Signer(state.get("kind", "ed25519"), bytes.fromhex(state["seed"]))
    application = state["application"].encode()
    signed = (
        b"SSHSIG"
        + _string(namespace.encode())
        + _string(b"")
        + _string(b"sha512")
        + _string(hashlib.sha512(message).digest())
    )
    flags, counter = int(state["flags"]), int(state["counter"])
    to_sign = (
        hashlib.sha256(application).digest()
        + bytes([flags])
        + struct.pack(">I", counter)
        + hashlib.sha256(signed).digest()
    )
    signature = _string(signer.key_type.encode()) + _string(signer.sign(to_sign)) + bytes([flags])
    signature += struct.pack(">I", counter)
    blob = (
        b"SSHSIG"
        + struct.pack(">I", 1)
        + _string(signer.public_blob(state["application"]))
        + _string(namespace.encode())
        + _string(b"")
        + _string(b"sha512")
        + _string(signature)
    )
    text = base64.b64encode(blob).decode()
    body = "\n".join(text[i : i + 70] for i in range(0, len(text), 70))
    return f"-----BEGIN SSH SIGNATURE-----\n{body}\n-----END SSH SIGNATURE-----\n"


def main(argv: list[str]) -> int:
    """``-Y sign -n NS -f KEY [-U] FILE`` with a software key writes ``FILE.sig``; anything else
    (another command, an ordinary key) runs the real ssh-keygen."""
    key_file = Path(argv[argv.index("-f") + 1]) if "-f" in argv else None
    if argv[:2] != ["-Y", "sign"] or key_file is None or not key_file.read_text(encoding="utf-8").startswith("{"):
        os.execvp("ssh-keygen", ["ssh-keygen", *argv])
    namespace = argv[argv.index("-n") + 1]
    target = Path(argv[-1])
    Path(f"{target}.sig").write_text(sign(key_file, namespace, target.read_bytes()), encoding="utf-8")
    return 0


def install_program(folder: Path) -> Path:
    """An executable that git can run as ``gpg.ssh.program``."""
    folder.mkdir(parents=True, exist_ok=True)
    program = folder / "sk-ssh-keygen"
    program.write_text(
        f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(_ROOT)!r})\n"
        "from tests.sk_authenticator import main\nsys.exit(main(sys.argv[1:]))\n",
        encoding="utf-8",
    )
    program.chmod(0o755)
    return program


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
