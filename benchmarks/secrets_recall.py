"""Recall and false alarms of guardtrail's secret scanner against plain detect-secrets.

    python benchmarks/secrets_recall.py [--per-format 10] [--seed 3]

Builds a corpus in a temporary folder, one file per sample: tokens generated from each
provider's published format (random values, none real) written in the usual places (env
files, YAML, JSON, code, URLs), and look-alikes that must not alarm (documented examples,
placeholders, template references, digests, ids, public keys, publishable keys, data URIs).
Then scans the same files with guardtrail and with detect-secrets' default plugins and
filters (its own ``SecretsCollection`` API, as ``detect-secrets scan`` runs it) and prints,
per tool, the recall on tokens and the false-alarm rate on look-alikes, and the formats
each tool misses.
"""

from __future__ import annotations

import argparse
import base64
import random
import string
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from detect_secrets import SecretsCollection
from detect_secrets.settings import default_settings

from guardtrail.classify.secrets import SecretScanner

ALNUM = string.ascii_letters + string.digits
URLSAFE = ALNUM + "_-"
HEX = "0123456789abcdef"
UPPER = string.ascii_uppercase + string.digits
Gen = Callable[[random.Random], str]


def _r(rng: random.Random, n: int, chars: str = ALNUM) -> str:
    return "".join(rng.choice(chars) for _ in range(n))


def _digits(rng: random.Random, n: int) -> str:
    return str(rng.randint(10 ** (n - 1), 10**n - 1))


def _pem(kind: str) -> Gen:
    def make(rng: random.Random) -> str:
        body = "\n".join(_r(rng, 64, ALNUM + "+/") for _ in range(6))
        return f"-----BEGIN {kind}-----\n{body}\n-----END {kind}-----"

    return make


TOKENS: dict[str, Gen] = {
    "aws-access-key-id": lambda r: "AKIA" + _r(r, 16, UPPER),
    "github-classic": lambda r: r.choice(["ghp_", "gho_", "ghs_", "ghu_"]) + _r(r, 36),
    "github-fine-grained": lambda r: f"github_pat_{_r(r, 22)}_{_r(r, 59)}",
    "gitlab-pat": lambda r: "glpat-" + _r(r, 20, URLSAFE),
    "gitlab-runner": lambda r: "glrt-" + _r(r, 20, URLSAFE),
    "slack-bot": lambda r: f"xoxb-{_digits(r, 11)}-{_digits(r, 13)}-{_r(r, 24)}",
    "slack-user": lambda r: f"xoxp-{_digits(r, 11)}-{_digits(r, 11)}-{_digits(r, 13)}-{_r(r, 32, HEX)}",
    "slack-webhook": lambda r: f"https://hooks.slack.com/services/T{_r(r, 8, UPPER)}/B{_r(r, 10, UPPER)}/{_r(r, 24)}",
    "stripe-secret": lambda r: "sk_live_" + _r(r, r.choice([24, 99])),
    "stripe-restricted": lambda r: "rk_live_" + _r(r, 24),
    "google-api-key": lambda r: "AIza" + _r(r, 35, URLSAFE),
    "openai-project": lambda r: f"sk-proj-{_r(r, 74, URLSAFE)}T3BlbkFJ{_r(r, 74, URLSAFE)}",
    "openai-legacy": lambda r: f"sk-{_r(r, 20)}T3BlbkFJ{_r(r, 20)}",
    "anthropic": lambda r: f"sk-ant-api03-{_r(r, 93, URLSAFE)}AA",
    "huggingface": lambda r: "hf_" + _r(r, 34, string.ascii_letters),
    "npm": lambda r: "npm_" + _r(r, 36),
    "pypi": lambda r: "pypi-AgEIcHlwaS5vcmc" + _r(r, 80, URLSAFE),
    "rubygems": lambda r: "rubygems_" + _r(r, 48, HEX),
    "dockerhub": lambda r: "dckr_pat_" + _r(r, 27, URLSAFE),
    "digitalocean": lambda r: "dop_v1_" + _r(r, 64, HEX),
    "databricks": lambda r: "dapi" + _r(r, 32, HEX),
    "doppler": lambda r: "dp.st." + _r(r, 43),
    "vault": lambda r: "hvs." + _r(r, 91, URLSAFE),
    "postman": lambda r: f"PMAK-{_r(r, 24, HEX)}-{_r(r, 34, HEX)}",
    "linear": lambda r: "lin_api_" + _r(r, 40),
    "grafana-cloud": lambda r: "glc_" + _r(r, 60, ALNUM + "+/") + "==",
    "grafana-sa": lambda r: f"glsa_{_r(r, 32)}_{_r(r, 8, HEX)}",
    "new-relic": lambda r: "NRAK-" + _r(r, 27, UPPER),
    "sentry-user": lambda r: "sntryu_" + _r(r, 64, HEX),
    "supabase": lambda r: "sbp_" + _r(r, 40, HEX),
    "shopify": lambda r: "shpat_" + _r(r, 32, HEX),
    "pulumi": lambda r: "pul-" + _r(r, 40, HEX),
    "terraform-cloud": lambda r: f"{_r(r, 14)}.atlasv1.{_r(r, 67, URLSAFE)}",
    "buildkite": lambda r: "bkua_" + _r(r, 40, HEX),
    "dynatrace": lambda r: f"dt0c01.{_r(r, 24, UPPER)}.{_r(r, 64, UPPER)}",
    "alibaba": lambda r: "LTAI" + _r(r, 20),
    "azure-storage": lambda r: (
        f"DefaultEndpointsProtocol=https;AccountName=acme;AccountKey={_r(r, 86, ALNUM + '+/')}=="
    ),
    "azure-ad-secret": lambda r: f"{_r(r, 3)}{r.randint(0, 9)}Q~{_r(r, 34, URLSAFE + '~.')}",
    "telegram": lambda r: f"{_digits(r, 10)}:AA{_r(r, 33, URLSAFE)}",
    "square": lambda r: "EAAA" + _r(r, 60, URLSAFE),
    "twilio": lambda r: "SK" + _r(r, 32, HEX),
    "sendgrid": lambda r: f"SG.{_r(r, 22, URLSAFE)}.{_r(r, 43, URLSAFE)}",
    "mailgun": lambda r: "key-" + _r(r, 32, HEX),
    "groq": lambda r: "gsk_" + _r(r, 52),
    "replicate": lambda r: "r8_" + _r(r, 37),
    "perplexity": lambda r: "pplx-" + _r(r, 48),
    "xai": lambda r: "xai-" + _r(r, 80),
    "langsmith": lambda r: f"lsv2_pt_{_r(r, 32, HEX)}_{_r(r, 10, HEX)}",
    "figma": lambda r: "figd_" + _r(r, 40, URLSAFE),
    "age": lambda r: "AGE-SECRET-KEY-1" + _r(r, 58, "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L"),
    "database-url": lambda r: f"postgres://app:{_r(r, 16)}@db{r.randint(1, 9)}.internal.acme.io:5432/app",
    "git-remote-basic-auth": lambda r: f"https://deploy:{_r(r, 20)}@git.acme.io/team/repo.git",
}
ASSIGNMENTS: dict[str, Gen] = {
    "password-assignment": lambda r: f"{r.choice(['DB_PASSWORD', 'password', 'passwd'])} = '{_r(r, 18, URLSAFE)}'",
    "secret-assignment": lambda r: f'"client_secret": "{_r(r, 32, URLSAFE)}",',
}
"""Whole lines: a credential assigned to a secret-looking name (detect-secrets' keyword plugin)."""
MULTILINE: dict[str, Gen] = {
    "pem-rsa": _pem("RSA PRIVATE KEY"),
    "pem-pkcs8": _pem("PRIVATE KEY"),
    "pem-openssh": _pem("OPENSSH PRIVATE KEY"),
    "pem-ec": _pem("EC PRIVATE KEY"),
    "pem-in-json": lambda r: '{"private_key": "' + _pem("PRIVATE KEY")(r).replace("\n", "\\n") + '\\n"}',
    "netrc": lambda r: f"machine api.acme.io\n  login deploy\n  password {_r(r, 18)}",
    "npmrc": lambda r: (
        f"//registry.npmjs.org/:_authToken={_r(r, 8, HEX)}-{_r(r, 4, HEX)}-{_r(r, 4, HEX)}-{_r(r, 12, HEX)}"
    ),
    "docker-config": lambda r: (
        '{"auths": {"ghcr.io": {"auth": "' + base64.b64encode(f"deploy:{_r(r, 20)}".encode()).decode() + '"}}}'
    ),
    "kubernetes-secret": lambda r: (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  password: "
        + base64.b64encode(_r(r, 18).encode()).decode()
    ),
}
LOOK_ALIKES: dict[str, Gen] = {
    "aws-documented-example": lambda r: r.choice(["AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"]),
    "xxxx": lambda r: r.choice(["ghp_", "sk_live_", "xoxb-", "glpat-", "hf_"]) + "x" * r.randint(20, 36),
    "angle-placeholder": lambda r: r.choice(["<your-api-key>", "<YOUR_TOKEN>", "<token>", "<secret>"]),
    "env-reference": lambda r: r.choice(["${API_TOKEN}", "$SECRET_KEY", "${{ secrets.DEPLOY_TOKEN }}", "%API_KEY%"]),
    "code-reference": lambda r: r.choice(['os.environ["API_KEY"]', 'os.getenv("TOKEN")', "process.env.STRIPE_KEY"]),
    "git-sha": lambda r: _r(r, 40, HEX),
    "sha256-digest": lambda r: _r(r, 64, HEX),
    "pip-hash": lambda r: f"requests==2.31.0 --hash=sha256:{_r(r, 64, HEX)}",
    "image-digest": lambda r: f"ghcr.io/acme/app@sha256:{_r(r, 64, HEX)}",
    "uuid": lambda r: f"{_r(r, 8, HEX)}-{_r(r, 4, HEX)}-4{_r(r, 3, HEX)}-a{_r(r, 3, HEX)}-{_r(r, 12, HEX)}",
    "sri-integrity": lambda r: "sha512-" + base64.b64encode(bytes(r.getrandbits(8) for _ in range(64))).decode(),
    "ssh-public-key": lambda r: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI" + _r(r, 43, ALNUM + "+/") + " dev@host",
    "certificate": lambda r: "-----BEGIN CERTIFICATE-----\n" + _r(r, 64, ALNUM + "+/") + "\n-----END CERTIFICATE-----",
    "public-key-pem": lambda r: "-----BEGIN PUBLIC KEY-----\n" + _r(r, 64, ALNUM + "+/") + "\n-----END PUBLIC KEY-----",
    "stripe-publishable": lambda r: "pk_live_" + _r(r, 24),
    "mapbox-public": lambda r: "pk.eyJ1IjoiYWNtZSIsImEiOiJjbGZ4In0." + _r(r, 22, URLSAFE),
    "data-uri": lambda r: (
        "data:image/png;base64," + base64.b64encode(bytes(r.getrandbits(8) for _ in range(48))).decode()
    ),
    "localhost-db-url": lambda r: "postgres://postgres:postgres@localhost:5432/app",
    "placeholder-db-url": lambda r: "postgres://user:password@db.example.com:5432/app",
    "redacted": lambda r: r.choice(["sk_live_****************", "ghp_...", "REDACTED", "token: [redacted]"]),
}
_SENTENCES = ("A step newly reads a repository secret", "Rotate the key every month", "Password for the admin user")
LOOK_ALIKE_LINES: dict[str, Gen] = {
    "prose-value": lambda r: f'"{r.choice(["workflow.secrets", "api_key", "password"])}": "{r.choice(_SENTENCES)}",',
    "value-echoes-name": lambda r: r.choice(
        ['SECRET = "secret"', 'ALLOW_SECRET = "Allow-secret"', 'PASSWORD_FIELD = "password"', "api_key = 'API-KEY'"]
    ),
    "value-names-a-secret": lambda r: r.choice(
        [
            "secretName: tls-cert-prod",
            'SECRET_KEY_ENV = "DJANGO_SECRET_KEY"',
            'api_key_header = "X-Api-Key"',
            'secret_name = "prod/db-credentials"',
        ]
    ),
    "secret-file-name": lambda r: r.choice(
        [
            '"kubernetes-secret": "secret.yaml",',
            'client_secret = "client_secret.json"',
            'private_key = "certs/server.key"',
            "password_file = 'secrets/db-password.txt'",
        ]
    ),
    "ssh-public-key-base64": lambda r: (
        "KEY = "
        + repr(
            r.choice(
                ["AAAAC3NzaC1lZDI1NTE5AAAAI" + _r(r, 43, ALNUM + "+/"), "AAAAB3NzaC1yc2EAAAADAQABAAABAQ" + _r(r, 340)]
            )
        )
    ),
}
"""Whole lines that look like assignments of secrets and are not."""
TEMPLATES = (
    ("settings.env", "API_TOKEN={v}\n"),
    ("config.yaml", 'service:\n  token: "{v}"\n'),
    ("config.json", '{{"credentials": {{"value": "{v}"}}}}\n'),
    ("client.py", 'client = Client(token="{v}")\n'),
    ("deploy.sh", "export SERVICE_TOKEN='{v}'\n"),
)
MULTILINE_FILES = {
    "netrc": ".netrc",
    "npmrc": ".npmrc",
    "docker-config": "config.json",
    "kubernetes-secret": "secret.yaml",
    "pem-in-json": "service-account.json",
}


def build_corpus(folder: Path, per_format: int, seed: int) -> list[tuple[Path, str, bool]]:
    """Write every sample to its own file: (file, format name, is a real-looking secret)."""
    rng = random.Random(seed)
    samples: list[tuple[Path, str, bool]] = []

    def write(name: str, kind: str, text: str, is_secret: bool) -> None:
        path = folder / f"{len(samples):05d}-{kind}" / name
        path.parent.mkdir(parents=True)
        path.write_text(text, encoding="utf-8")
        samples.append((path, kind, is_secret))

    for kind, generate in {**TOKENS, **LOOK_ALIKES}.items():
        for n in range(per_format):
            name, template = TEMPLATES[n % len(TEMPLATES)]
            write(name, kind, template.format(v=generate(rng)), kind in TOKENS)
    for kind, generate in MULTILINE.items():
        for _ in range(per_format):
            write(MULTILINE_FILES.get(kind, "id_key"), kind, generate(rng) + "\n", True)
    for lines, is_secret in ((ASSIGNMENTS, True), (LOOK_ALIKE_LINES, False)):
        for kind, generate in lines.items():
            for _ in range(per_format):
                write("settings.py", kind, generate(rng) + "\n", is_secret)
    return samples


def guardtrail_hits(root: Path, samples: list[tuple[Path, str, bool]]) -> set[Path]:
    scanner = SecretScanner()
    hits = set()
    for path, _, _ in samples:
        relative = path.relative_to(root).as_posix()
        if scanner.scan_text("", relative, path.read_text(encoding="utf-8")):
            hits.add(path)
    return hits


def detect_secrets_hits(root: Path, samples: list[tuple[Path, str, bool]]) -> set[Path]:
    with default_settings():
        collection = SecretsCollection(root=str(root))
        for path, _, _ in samples:
            collection.scan_file(path.relative_to(root).as_posix())
    return {root / name for name in collection.files if collection[name]}


def report(tool: str, hits: set[Path], samples: list[tuple[Path, str, bool]]) -> None:
    secrets = [(path, kind) for path, kind, is_secret in samples if is_secret]
    decoys = [(path, kind) for path, kind, is_secret in samples if not is_secret]
    found = sum(path in hits for path, _ in secrets)
    alarms = sum(path in hits for path, _ in decoys)
    missed = sorted({kind for path, kind in secrets if path not in hits})
    alarmed = sorted({kind for path, kind in decoys if path in hits})
    print(f"{tool}:")
    print(f"  recall       {found / len(secrets):.3f}  ({found}/{len(secrets)} secrets)")
    print(f"  false alarms {alarms / len(decoys):.3f}  ({alarms}/{len(decoys)} look-alikes)")
    print(f"  formats with misses ({len(missed)}): {', '.join(missed) or '-'}")
    print(f"  look-alikes that alarm: {', '.join(alarmed) or '-'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--per-format", type=int, default=20, help="samples per token format or look-alike kind")
    parser.add_argument("--seed", type=int, default=3)
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        samples = build_corpus(root, options.per_format, options.seed)
        formats = len(TOKENS) + len(MULTILINE) + len(ASSIGNMENTS)
        kinds = len(LOOK_ALIKES) + len(LOOK_ALIKE_LINES)
        print(f"corpus: {len(samples)} files, {formats} token formats, {kinds} look-alike kinds")
        report("guardtrail", guardtrail_hits(root, samples), samples)
        report("detect-secrets (default plugins and filters)", detect_secrets_hits(root, samples), samples)
    return 0


if __name__ == "__main__":
    sys.exit(main())
