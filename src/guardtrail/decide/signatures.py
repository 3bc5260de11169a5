"""Verify commit signatures against the approvers' keys from the base policy.

No cryptography here: SSH signatures go to ``ssh-keygen -Y verify`` with an allowed-signers
file built from the policy, OpenPGP signatures to ``gpg --verify`` in a throwaway keyring that
holds only the approvers' keys. What we do parse is the SSHSIG envelope, to learn which public
key claims to have signed, so commits signed by nobody we know cost no process at all.
"""

from __future__ import annotations

import base64
import os
import shutil
import struct
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from guardtrail.model import Commit
from guardtrail.policy import Approver

_SSH_ARMOR = b"-----BEGIN SSH SIGNATURE-----"
_PGP_ARMOR = b"-----BEGIN PGP SIGNATURE-----"
GIT_NAMESPACE = "git"
"""The namespace git signs commits in; other signatures (approval statements) use their own."""


@dataclass(frozen=True)
class SignatureCheck:
    """What a commit's signature proves."""

    verified: bool
    """True only when a listed approver's key made a valid signature over the commit."""
    signer: Approver | None
    kind: str | None
    """``ssh``, ``openpgp``, or None when unsigned."""
    reason: str
    """One line for reports: why it is or is not verified."""
    sk_flags: int | None = None
    """For a verified signature by a FIDO (``sk-``) SSH key: the flags byte the authenticator
    signed (:data:`USER_PRESENT`, :data:`USER_VERIFIED`); None for every other signature."""

    @property
    def flags(self) -> tuple[str, ...]:
        """The authenticator's flags by name; empty for keys that have none."""
        return flag_names(self.sk_flags)


UNSIGNED = SignatureCheck(False, None, None, "unsigned")


def _sshsig_blob(signature: bytes) -> bytes | None:
    """The binary SSHSIG inside the armor, or None if unreadable."""
    lines = signature.strip().splitlines()
    if not lines or lines[0].strip() != _SSH_ARMOR:
        return None
    try:
        blob = base64.b64decode(b"".join(line.strip() for line in lines[1:-1]))
    except ValueError:
        return None
    return blob if blob.startswith(b"SSHSIG") else None


def _ssh_strings(data: bytes, count: int) -> tuple[list[bytes], bytes] | None:
    """``count`` length-prefixed SSH strings from the start of ``data``, and what follows."""
    strings = []
    for _ in range(count):
        if len(data) < 4:
            return None
        (length,) = struct.unpack(">I", data[:4])
        if len(data) < 4 + length:
            return None
        strings.append(data[4 : 4 + length])
        data = data[4 + length :]
    return strings, data


def sshsig_public_key(signature: bytes) -> str | None:
    """The ``<type> <base64>`` public key inside an armored SSHSIG, or None if unreadable."""
    blob = _sshsig_blob(signature)
    parsed = _ssh_strings(blob[10:], 1) if blob is not None else None
    key = parsed[0][0] if parsed else b""
    type_parsed = _ssh_strings(key, 1)
    if not type_parsed:
        return None
    key_type = type_parsed[0][0].decode("ascii", "replace")
    return f"{key_type} {base64.b64encode(key).decode('ascii')}"


def sshsig_sk_flags(signature: bytes) -> tuple[int, int] | None:
    """``(flags, counter)`` a FIDO authenticator signed into an SSHSIG; None for other keys.

    PROTOCOL.sshsig: the blob is ``SSHSIG``, a version, then the public key, namespace, reserved
    and hash algorithm strings and the signature string. For ``sk-`` key types that signature is
    the type, the signature proper, then a flags byte and a big-endian counter (PROTOCOL.u2f),
    both covered by the authenticator's signature, so once ``ssh-keygen -Y verify`` has accepted
    it, they are what the key really said. ``ssh-keygen`` itself never looks at them.
    """
    blob = _sshsig_blob(signature)
    fields = _ssh_strings(blob[10:], 5) if blob is not None else None
    inner = _ssh_strings(fields[0][4], 2) if fields else None
    if inner is None:
        return None
    (key_type, _), rest = inner
    if not key_type.startswith(b"sk-") or len(rest) < 5:
        return None
    return rest[0], struct.unpack(">I", rest[1:5])[0]


USER_PRESENT = 0x01
"""The authenticator saw a touch (PROTOCOL.u2f flags)."""
USER_VERIFIED = 0x04
"""The authenticator checked a PIN or biometric."""
_FLAG_NAMES = ((USER_PRESENT, "user-presence"), (USER_VERIFIED, "user-verification"))


def flag_names(flags: int | None) -> tuple[str, ...]:
    """The named flags set in ``flags``, for reports: ``("user-presence", ...)``."""
    return tuple(name for bit, name in _FLAG_NAMES if flags is not None and flags & bit)


class SignatureVerifier:
    """Verifies commits against a fixed set of approvers; use as a context manager."""

    def __init__(self, approvers: Iterable[Approver]) -> None:
        self._approvers = tuple(approvers)
        self._by_ssh_key = {key: a for a in self._approvers for key in a.ssh_keys}
        self._tmp: Path | None = None
        self._gnupg_home: Path | None = None
        self._pgp_owners: dict[str, Approver] | None = None

    def __enter__(self) -> SignatureVerifier:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def _scratch(self) -> Path:
        if self._tmp is None:
            self._tmp = Path(tempfile.mkdtemp(prefix="gt-"))
        return self._tmp

    def verify(self, commit: Commit) -> SignatureCheck:
        if commit.signature is None or commit.signed_data is None:
            return UNSIGNED
        if commit.signature.lstrip().startswith(_SSH_ARMOR):
            return self.verify_ssh(commit.signature, commit.signed_data, GIT_NAMESPACE)
        if commit.signature.lstrip().startswith(_PGP_ARMOR):
            return self._verify_pgp(commit.signature, commit.signed_data)
        return SignatureCheck(False, None, None, "signed in a format guardtrail does not verify (X.509?)")

    # -- SSH ------------------------------------------------------------------------------

    def verify_ssh(self, signature: bytes, data: bytes, namespace: str) -> SignatureCheck:
        """An armored SSHSIG over ``data`` in ``namespace``, by an approver's key."""
        key = sshsig_public_key(signature)
        approver = self._by_ssh_key.get(key) if key else None
        if approver is None:
            return SignatureCheck(False, None, "ssh", "SSH signature by a key no approver lists")
        if shutil.which("ssh-keygen") is None:
            return SignatureCheck(False, None, "ssh", "ssh-keygen is not installed: cannot verify SSH signatures")
        scratch = self._scratch()
        allowed = scratch / "allowed_signers"
        allowed.write_text(f'{approver.email} namespaces="{namespace}" {key}\n', encoding="utf-8")
        sig_file = scratch / "commit.sig"
        sig_file.write_bytes(signature)
        result = subprocess.run(
            [
                "ssh-keygen",
                "-Y",
                "verify",
                "-f",
                str(allowed),
                "-I",
                approver.email,
                "-n",
                namespace,
                "-s",
                str(sig_file),
            ],
            input=data,
            capture_output=True,
            check=False,
        )
        if result.returncode != 0:
            return SignatureCheck(False, None, "ssh", "SSH signature does not verify (bad or tampered)")
        sk = sshsig_sk_flags(signature)
        flags = sk[0] if sk is not None else None
        shown = f" ({', '.join(flag_names(flags)) or 'no user presence'})" if sk is not None else ""
        return SignatureCheck(True, approver, "ssh", f"good SSH signature by {approver}{shown}", flags)

    # -- OpenPGP --------------------------------------------------------------------------

    def _pgp_keyring(self) -> dict[str, Approver]:
        """Import the approvers' OpenPGP keys into a private keyring; fingerprint → approver."""
        if self._pgp_owners is not None:
            return self._pgp_owners
        owners: dict[str, Approver] = {}
        self._pgp_owners = owners
        if shutil.which("gpg") is None or not any(a.pgp_fingerprints or a.pgp_armored for a in self._approvers):
            return owners
        home = self._scratch() / "gnupg"
        home.mkdir(mode=0o700)
        self._gnupg_home = home
        for approver in self._approvers:
            for armored in approver.pgp_armored:
                for fpr in self._gpg_import(armored.encode("utf-8")):
                    owners[fpr] = approver
            for fpr in approver.pgp_fingerprints:
                exported = subprocess.run(["gpg", "--batch", "--export", fpr], capture_output=True, check=False).stdout
                if exported:
                    self._gpg_import(exported)
                owners[fpr] = approver
        return owners

    def _gpg(self, *args: str, data: bytes) -> subprocess.CompletedProcess[bytes]:
        assert self._gnupg_home is not None
        env = {**os.environ, "GNUPGHOME": str(self._gnupg_home)}
        return subprocess.run(
            ["gpg", "--batch", "--no-tty", "--status-fd", "1", *args],
            input=data,
            capture_output=True,
            env=env,
            check=False,
        )

    def _gpg_import(self, key: bytes) -> list[str]:
        status = self._gpg("--import", data=key).stdout.decode("utf-8", "replace")
        return [line.split()[3].upper() for line in status.splitlines() if line.startswith("[GNUPG:] IMPORT_OK")]

    def _verify_pgp(self, signature: bytes, data: bytes) -> SignatureCheck:
        owners = self._pgp_keyring()
        if not owners:
            reason = "OpenPGP signature, but no approver lists an OpenPGP key"
            if shutil.which("gpg") is None:
                reason = "OpenPGP signature, but gpg is not installed to verify it"
            return SignatureCheck(False, None, "openpgp", reason)
        sig_file = self._scratch() / "commit.asc"
        sig_file.write_bytes(signature)
        status = self._gpg("--verify", str(sig_file), "-", data=data).stdout.decode("utf-8", "replace")
        invalid = _invalid_key(status)
        if invalid is not None:
            return SignatureCheck(False, None, "openpgp", invalid)
        for line in status.splitlines():
            if line.startswith("[GNUPG:] VALIDSIG"):
                fields = line.split()
                for fpr in (fields[2], fields[-1]):  # signing (sub)key, then primary key
                    approver = owners.get(fpr.upper())
                    if approver is not None:
                        return SignatureCheck(True, approver, "openpgp", f"good OpenPGP signature by {approver}")
        return SignatureCheck(False, None, "openpgp", "OpenPGP signature not made by an approver's key")


_INVALID_KEY_STATUS = {
    "REVKEYSIG": "OpenPGP signature by a revoked key",
    "KEYREVOKED": "OpenPGP signature by a revoked key",
    "EXPKEYSIG": "OpenPGP signature by an expired key",
    "KEYEXPIRED": "OpenPGP signature by an expired key",
}


def _invalid_key(status: str) -> str | None:
    """Why gpg's status says the signing key is not valid now, or None.

    gpg judges a key's revocation and expiry at the current time, not at the signature's
    creation time, which the signer chose: a key revoked or expired today approves nothing,
    however early its signatures claim to be.
    """
    for line in status.splitlines():
        fields = line.split()
        if len(fields) >= 2 and fields[0] == "[GNUPG:]" and fields[1] in _INVALID_KEY_STATUS:
            return f"{_INVALID_KEY_STATUS[fields[1]]}: it approves nothing"
    return None
