"""Recall and false alarms of guardtrail's secret scanner, beside detect-secrets and betterleaks.

    python benchmarks/secrets_recall.py [--per-format 10] [--seed 3]

Builds a corpus in a temporary folder, one file per sample: tokens generated from each
provider's published format (random values, none real), each under the name it is given in
practice (``SENDBIRD_API_TOKEN``, ``HEROKU_API_KEY``), written in the usual places (env files,
YAML, JSON, Python, JavaScript, shell, Dockerfile, Terraform, properties, Markdown), and
look-alikes that must not alarm (documented examples, placeholders, template references,
digests, ids, public keys, publishable keys, data URIs, base64 of prose). The generators here
are written apart from the rules (held out: no rule example is a sample), from the formats
the providers document. Then scans the same files with guardtrail, with detect-secrets'
default plugins and filters (its own ``SecretsCollection`` API, as ``detect-secrets scan``
runs it) and with betterleaks (the gitleaks successor, from the ``bench`` extra: ``pip
install -e '.[bench]'``; left out when its binary is missing), and prints, per tool, the recall
on tokens and the false-alarm rate on look-alikes, then per format how many samples each
tool found.
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import shutil
import string
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from detect_secrets import SecretsCollection
from detect_secrets.settings import default_settings

from guardtrail.classify.secrets.scanner import SecretScanner

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
B32 = string.ascii_lowercase + "234567"
B64 = ALNUM + "+/"


def _uuid(rng: random.Random) -> str:
    variant = rng.choice("89ab")
    return f"{_r(rng, 8, HEX)}-{_r(rng, 4, HEX)}-4{_r(rng, 3, HEX)}-{variant}{_r(rng, 3, HEX)}-{_r(rng, 12, HEX)}"


def _password(rng: random.Random) -> str:
    """A password as people and generators make them: letters, digits and URL-hostile symbols."""
    return _r(rng, 6) + rng.choice("#&*%@!") + _r(rng, 5) + rng.choice(["%40", "%23", "&", "*", "#"]) + _r(rng, 3)


_SCHEMES = ("postgresql", "mysql", "mongodb+srv", "rediss", "amqps", "ftp", "sftp", "https", "ldap", "smtp")
NAMED_TOKENS: dict[str, tuple[str, Gen]] = {
    # keys without a prefix of their own, found by the name they are given
    "heroku": ("HEROKU_API_KEY", _uuid),
    "sendbird": ("SENDBIRD_API_TOKEN", lambda r: _r(r, 40, HEX)),
    "datadog-api": ("DD_API_KEY", lambda r: _r(r, 32, HEX)),
    "datadog-app": ("DATADOG_APP_KEY", lambda r: _r(r, 40, HEX)),
    "twilio-auth": ("TWILIO_AUTH_TOKEN", lambda r: _r(r, 32, HEX)),
    "algolia-admin": ("ALGOLIA_ADMIN_API_KEY", lambda r: _r(r, 32, HEX)),
    "cloudflare-token": ("CLOUDFLARE_API_TOKEN", lambda r: _r(r, 40, URLSAFE)),
    "netlify": ("NETLIFY_AUTH_TOKEN", lambda r: _r(r, 43, URLSAFE)),
    "vercel": ("VERCEL_TOKEN", lambda r: _r(r, 24)),
    "snyk": ("SNYK_TOKEN", _uuid),
    "codecov": ("CODECOV_TOKEN", _uuid),
    "circleci": ("CIRCLECI_API_TOKEN", lambda r: _r(r, 40, HEX)),
    "linode": ("LINODE_TOKEN", lambda r: _r(r, 64, HEX)),
    "hetzner": ("HCLOUD_TOKEN", lambda r: _r(r, 64)),
    "contentful": ("CONTENTFUL_ACCESS_TOKEN", lambda r: _r(r, 43, URLSAFE)),
    "pusher": ("PUSHER_APP_SECRET", lambda r: _r(r, 20, HEX)),
    "postmark": ("POSTMARK_SERVER_TOKEN", _uuid),
    "sparkpost": ("SPARKPOST_API_KEY", lambda r: _r(r, 40, HEX)),
    "mixpanel": ("MIXPANEL_API_SECRET", lambda r: _r(r, 32, HEX)),
    "rollbar": ("ROLLBAR_ACCESS_TOKEN", lambda r: _r(r, 32, HEX)),
    "bugsnag": ("BUGSNAG_API_KEY", lambda r: _r(r, 32, HEX)),
    "trello": ("TRELLO_TOKEN", lambda r: _r(r, 64, HEX)),
    "todoist": ("TODOIST_API_TOKEN", lambda r: _r(r, 40, HEX)),
    "hubspot-legacy": ("HUBSPOT_API_KEY", _uuid),
    "zendesk": ("ZENDESK_API_TOKEN", lambda r: _r(r, 40)),
    "spotify": ("SPOTIFY_CLIENT_SECRET", lambda r: _r(r, 32, HEX)),
    "twitter-secret": ("TWITTER_API_SECRET", lambda r: _r(r, 50)),
    "facebook-secret": ("FACEBOOK_APP_SECRET", lambda r: _r(r, 32, HEX)),
    "cohere": ("COHERE_API_KEY", lambda r: _r(r, 40)),
    "mistral": ("MISTRAL_API_KEY", lambda r: _r(r, 32)),
    "deepgram": ("DEEPGRAM_API_KEY", lambda r: _r(r, 40, HEX)),
    "elevenlabs": ("ELEVENLABS_API_KEY", lambda r: _r(r, 32, HEX)),
    "pinecone": ("PINECONE_API_KEY", _uuid),
    "wandb": ("WANDB_API_KEY", lambda r: _r(r, 40, HEX)),
    "aws-secret-unquoted": ("AWS_SECRET_ACCESS_KEY", lambda r: _r(r, 40, B64)),
    "virustotal": ("VIRUSTOTAL_API_KEY", lambda r: _r(r, 64, HEX)),
    "openweather": ("OPENWEATHER_API_KEY", lambda r: _r(r, 32, HEX)),
    "infura": ("INFURA_PROJECT_SECRET", lambda r: _r(r, 32, HEX)),
    "etherscan": ("ETHERSCAN_API_KEY", lambda r: _r(r, 34, UPPER)),
    "okta": ("OKTA_API_TOKEN", lambda r: "00" + _r(r, 40, URLSAFE)),
    "auth0": ("AUTH0_CLIENT_SECRET", lambda r: _r(r, 64, URLSAFE)),
    "twitch": ("TWITCH_CLIENT_SECRET", lambda r: _r(r, 30, HEX + "ghijklmnopqrstuvwxyz")),
    "azure-devops": ("AZURE_DEVOPS_PAT", lambda r: _r(r, 52, B32)),
    "jira-legacy": ("JIRA_API_TOKEN", lambda r: _r(r, 24)),
    "generic-api-key-uuid": ("ACME_API_KEY", _uuid),
    "generic-token-hex": ("BILLING_SERVICE_TOKEN", lambda r: _r(r, 40, HEX)),
    # prefixed formats
    "atlassian": ("ATLASSIAN_API_TOKEN", lambda r: "ATATT3xFfGF0" + _r(r, 172, URLSAFE) + "=" + _r(r, 8, HEX.upper())),
    "airtable-pat": ("AIRTABLE_TOKEN", lambda r: f"pat{_r(r, 14)}.{_r(r, 64, HEX)}"),
    "notion": ("NOTION_TOKEN", lambda r: "ntn_" + _digits(r, 11) + _r(r, 35)),
    "sonarqube": ("SONAR_TOKEN", lambda r: r.choice(["squ_", "sqp_", "sqa_"]) + _r(r, 40, HEX)),
    "posthog-personal": ("POSTHOG_PERSONAL_API_KEY", lambda r: "phx_" + _r(r, 43)),
    "neon": ("NEON_API_KEY", lambda r: "napi_" + _r(r, 64, string.ascii_lowercase + string.digits)),
    "planetscale": ("PLANETSCALE_SERVICE_TOKEN", lambda r: "pscale_tkn_" + _r(r, 43, URLSAFE)),
    "render": ("RENDER_API_KEY", lambda r: "rnd_" + _r(r, 32)),
    "flyio": ("FLY_API_TOKEN", lambda r: "fo1_" + _r(r, 43, URLSAFE)),
    "tailscale": ("TS_AUTHKEY", lambda r: f"tskey-auth-{_r(r, 11)}CNTRL-{_r(r, 33)}"),
    "openrouter": ("OPENROUTER_API_KEY", lambda r: "sk-or-v1-" + _r(r, 64, HEX)),
    "langfuse": ("LANGFUSE_SECRET_KEY", lambda r: "sk-lf-" + _uuid(r)),
    "webhook-secret": ("STRIPE_WEBHOOK_SECRET", lambda r: "whsec_" + _r(r, 32)),
    "hubspot-private-app": ("HUBSPOT_ACCESS_TOKEN", lambda r: "pat-na1-" + _uuid(r)),
    "brevo": ("BREVO_API_KEY", lambda r: f"xkeysib-{_r(r, 64, HEX)}-{_r(r, 16)}"),
    "shippo": ("SHIPPO_API_TOKEN", lambda r: "shippo_live_" + _r(r, 40, HEX)),
    "easypost": ("EASYPOST_API_KEY", lambda r: "EZAK" + _r(r, 54)),
    "nuget": ("NUGET_API_KEY", lambda r: "oy2" + _r(r, 43, string.ascii_lowercase + string.digits)),
    "google-oauth-secret": ("GOOGLE_CLIENT_SECRET", lambda r: "GOCSPX-" + _r(r, 28, URLSAFE)),
    "heroku-v2": ("HEROKU_API_TOKEN", lambda r: "HRKU-AA" + _r(r, 58, URLSAFE)),
    "mapbox-secret": ("MAPBOX_SECRET_TOKEN", lambda r: f"sk.eyJ1IjoiYWNtZSIsImEiOiJ{_r(r, 40)}.{_r(r, 22, URLSAFE)}"),
    "discord-webhook": (
        "DISCORD_WEBHOOK_URL",
        lambda r: f"https://discord.com/api/webhooks/{_digits(r, 19)}/{_r(r, 68, URLSAFE)}",
    ),
    "laravel-app-key": (
        "APP_KEY",
        lambda r: "base64:" + base64.b64encode(bytes(r.getrandbits(8) for _ in range(32))).decode(),
    ),
    "url-password-special": (
        "DATABASE_URL",
        lambda r: f"{r.choice(_SCHEMES)}://svc:{_password(r)}@db{r.randint(1, 9)}.acme.io/app",
    ),
    "url-password-example-host": ("DATABASE_URL", lambda r: f"postgres://app:{_r(r, 18)}@db.example.com:5432/app"),
}
"""Keys named by the variable they are assigned to; the name goes with the value in every context."""
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
    "published-example": lambda r: r.choice(
        [
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ"
            ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
            "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
            "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
        ]
    ),
    "base64-prose": lambda r: base64.b64encode(r.choice(_PROSE).encode()).decode(),
    "example-url-placeholder": lambda r: r.choice(
        [
            "mysql://user:password@db.example.com/app",
            "https://user:pass@git.example.org/r.git",
            "amqp://guest:guest@mq.example.com",
        ]
    ),
}
LOOK_ALIKE_NAMES = {
    "git-sha": "COMMIT_SHA",
    "sha256-digest": "ARTIFACT_SHA256",
    "uuid": "REQUEST_ID",
    "image-digest": "BASE_IMAGE",
    "pip-hash": "REQUIREMENT",
    "sri-integrity": "INTEGRITY",
    "data-uri": "LOGO",
    "base64-prose": "WELCOME_TEXT",
    "certificate": "CA_CERT",
    "public-key-pem": "PUBLIC_KEY_PEM",
    "ssh-public-key": "DEPLOY_PUBLIC_KEY",
}
"""The names look-alikes are given in practice (a digest under a digest's name); others sit under
``API_TOKEN``, where a tool must judge by the value alone."""
_PROSE = (
    "Welcome to the dashboard, please sign in to continue.",
    "This is only a test of the emergency broadcast system.",
    "The quick brown fox jumps over the lazy dog again and again.",
)
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
    ("settings.env", "{n}={v}\n"),
    ("config.yaml", 'service:\n  {l}: "{v}"\n'),
    ("config.json", '{{"{c}": "{v}"}}\n'),
    ("client.py", '{n} = "{v}"\n'),
    ("client.js", "const {c} = '{v}';\n"),
    ("deploy.sh", "export {n}='{v}'\n"),
    ("Dockerfile", "FROM python:3.12-slim\nENV {n}={v}\n"),
    ("main.tf", 'provider "acme" {{\n  {l} = "{v}"\n}}\n'),
    ("application.properties", "{d}={v}\n"),
    ("README.md", "Run it with:\n\n    export {n}={v}\n"),
)
"""The ten places a key is written, by the name it is given: ``{n}`` as an env variable, ``{l}``
lower case, ``{c}`` camel case, ``{d}`` dotted (properties)."""
ENV_LINES: dict[str, Gen] = {
    "env-password-unquoted": lambda r: (
        f"{r.choice(['DB_PASSWORD', 'MAIL_PASSWORD', 'REDIS_PASSWORD'])}={_r(r, 14, URLSAFE)}"
    ),
    "env-client-secret-unquoted": lambda r: (
        f"{r.choice(['CLIENT_SECRET', 'OAUTH_CLIENT_SECRET'])}={_r(r, 32, URLSAFE)}"
    ),
    "env-secret-key-unquoted": lambda r: f"SECRET_KEY={_r(r, 50, ALNUM + '!@#%^&*(-_=+)')}",
}
"""Unquoted assignments in Laravel, Rails (dotenv) and Docker Compose env files."""
ENV_LOOK_ALIKES: dict[str, Gen] = {
    "env-empty-or-null": lambda r: r.choice(["DB_PASSWORD=", "MAIL_PASSWORD=null", "REDIS_PASSWORD=null", "APP_KEY="]),
    "env-setting-not-secret": lambda r: r.choice(
        ["PASSWORD_HASHER=argon2", "PASSWORD_MIN_LENGTH=12", "SECRET_NAME=prod-db", "TOKEN_TTL=3600"]
    ),
    "env-id-uuid": lambda r: f"{r.choice(['TENANT_ID', 'AZURE_CLIENT_ID', 'TOKEN_ID'])}={_uuid(r)}",
    "env-reference": lambda r: r.choice(
        ["DB_PASSWORD=${DB_PASSWORD}", "API_KEY=$API_KEY", "SECRET_KEY=${SECRET_KEY:-}"]
    ),
}


def _context(name: str, value: str, template: str) -> str:
    words = name.lower().split("_")
    camel = words[0] + "".join(word.title() for word in words[1:])
    return template.format(n=name, l=name.lower(), c=camel, d=".".join(words), v=value)


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

    named = {kind: ("API_TOKEN", generate) for kind, generate in TOKENS.items()}
    named |= NAMED_TOKENS
    named |= {kind: (LOOK_ALIKE_NAMES.get(kind, "API_TOKEN"), generate) for kind, generate in LOOK_ALIKES.items()}
    for kind, (variable, generate) in named.items():
        for n in range(per_format):
            name, template = TEMPLATES[n % len(TEMPLATES)]
            write(name, kind, _context(variable, generate(rng), template), kind not in LOOK_ALIKES)
    for lines, is_secret in ((ENV_LINES, True), (ENV_LOOK_ALIKES, False)):
        for kind, generate in lines.items():
            for n in range(per_format):
                write((".env", ".env.production", "docker.env")[n % 3], kind, generate(rng) + "\n", is_secret)
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


def betterleaks_findings(root: Path) -> list[dict[str, Any]] | None:
    """betterleaks' findings in the folder ``root`` (its default rules, no validation, values
    redacted), or None without its binary."""
    binary = shutil.which("betterleaks")
    if binary is None:
        return None
    report_path = root.parent / f"{root.name}-betterleaks.json"
    subprocess.run(
        [binary, ".", "--no-banner", "--silent", "--exit-code", "0", "-l", "error", "--redact", "-o", str(report_path)],
        cwd=root,
        check=True,
    )
    findings: list[dict[str, Any]] = json.loads(report_path.read_text(encoding="utf-8")).get("findings") or []
    return findings


def betterleaks_hits(root: Path) -> set[Path] | None:
    """Files betterleaks reports, or None without its binary."""
    findings = betterleaks_findings(root)
    return None if findings is None else {root / finding["location"]["path"] for finding in findings}


def per_format(results: dict[str, set[Path]], samples: list[tuple[Path, str, bool]]) -> None:
    """One line per format: how many of its samples each tool found (secrets) or alarmed on
    (look-alikes)."""
    kinds: dict[str, list[Path]] = {}
    for path, kind, _ in samples:
        kinds.setdefault(kind, []).append(path)
    secret_kinds = {kind for _, kind, is_secret in samples if is_secret}
    tools = list(results)
    print("\nper format (found of n; look-alikes: alarms of n):")
    print(f"  {'format':34} {'n':>3} " + " ".join(f"{tool[:14]:>14}" for tool in tools))
    for kind, paths in kinds.items():
        marker = "" if kind in secret_kinds else " (look-alike)"
        counts = " ".join(f"{sum(path in results[tool] for path in paths):>14}" for tool in tools)
        print(f"  {(kind + marker)[:34]:34} {len(paths):>3} {counts}")


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
    parser.add_argument("--per-format-table", action="store_true", help="print each format's count per tool")
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        samples = build_corpus(root, options.per_format, options.seed)
        formats = len(TOKENS) + len(NAMED_TOKENS) + len(MULTILINE) + len(ASSIGNMENTS) + len(ENV_LINES)
        kinds = len(LOOK_ALIKES) + len(LOOK_ALIKE_LINES) + len(ENV_LOOK_ALIKES)
        print(f"corpus: {len(samples)} files, {formats} token formats, {kinds} look-alike kinds")
        results = {"guardtrail": guardtrail_hits(root, samples)}
        results["detect-secrets"] = detect_secrets_hits(root, samples)
        betterleaks = betterleaks_hits(root)
        if betterleaks is not None:
            results["betterleaks"] = betterleaks
        for tool, hits in results.items():
            report(tool, hits, samples)
        if betterleaks is None:
            print("betterleaks: not installed (pip install -e '.[bench]')")
        if options.per_format_table:
            per_format(results, samples)
    return 0


if __name__ == "__main__":
    sys.exit(main())
