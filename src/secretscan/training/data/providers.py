"""Provider token formats, generated with random bodies (and valid checksums where the format has one).

`heldout=True` providers are never used for training: the dev benchmark uses them to measure whether the judge
generalises to token formats it has not seen. Every value here is synthetic.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from secretscan.training.data.rand import (
    ALNUM,
    B64URL,
    BASE32,
    DIGITS,
    LOWER,
    UPPER,
    alnum,
    b64_of_bytes,
    b64_of_text,
    chars,
    hexs,
    pick,
)

Maker = Callable[[random.Random], str]


@dataclass(frozen=True)
class Provider:
    name: str
    # Variable / key names this credential usually lives in (UPPER_SNAKE; renderers restyle them).
    names: tuple[str, ...]
    make: Maker
    # The literal prefix of the format, kept by the obviously fake look-alikes (`sk_live_xxxx…`).
    prefix: str = ""
    heldout: bool = False
    # A valid checksum makes the candidate stage certain, so the judge never sees these.
    checksum: bool = False


def _github(prefix: str) -> Maker:
    def make(rng: random.Random) -> str:
        from secretscan.scanner.rules.checksums import make_github_token

        return make_github_token(prefix, alnum(rng, 30))

    return make


def _github_fine_grained(rng: random.Random) -> str:
    return f"github_pat_11{chars(rng, UPPER + DIGITS, 20)}_{alnum(rng, 59)}"


def _aws_key_id(rng: random.Random) -> str:
    return pick(rng, ("AKIA", "ASIA", "AKIA", "AKIA")) + chars(rng, BASE32, 16)


def _aws_secret(rng: random.Random) -> str:
    return chars(rng, ALNUM + "+/", 40)


def _slack_bot(rng: random.Random) -> str:
    return f"xoxb-{chars(rng, DIGITS, 12)}-{chars(rng, DIGITS, 13)}-{alnum(rng, 24)}"


def _slack_user(rng: random.Random) -> str:
    return f"xoxp-{chars(rng, DIGITS, 12)}-{chars(rng, DIGITS, 12)}-{chars(rng, DIGITS, 13)}-{hexs(rng, 32)}"


def _stripe(prefix: str) -> Maker:
    return lambda rng: prefix + alnum(rng, pick(rng, (24, 34, 99)))


def _stripe_webhook(rng: random.Random) -> str:
    return "whsec_" + alnum(rng, 32)


def _openai(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return f"sk-{alnum(rng, 20)}T3BlbkFJ{alnum(rng, 20)}"
    return "sk-proj-" + chars(rng, B64URL, 74) + "T3BlbkFJ" + chars(rng, B64URL, 74)


def _anthropic(rng: random.Random) -> str:
    return "sk-ant-api03-" + chars(rng, B64URL, 93) + "AA"


def _google(rng: random.Random) -> str:
    return "AIza" + chars(rng, B64URL, 35)


def _gitlab(rng: random.Random) -> str:
    return "glpat-" + chars(rng, ALNUM + "-_", 20)


def _sendgrid(rng: random.Random) -> str:
    return f"SG.{chars(rng, B64URL, 22)}.{chars(rng, B64URL, 43)}"


def _twilio_token(rng: random.Random) -> str:
    return hexs(rng, 32)


def _mailgun(rng: random.Random) -> str:
    return "key-" + hexs(rng, 32)


def _huggingface(rng: random.Random) -> str:
    return "hf_" + chars(rng, LOWER + UPPER, 34)


def _pypi(rng: random.Random) -> str:
    return "pypi-AgEIcHlwaS5vcmc" + chars(rng, B64URL, 70)


def _telegram(rng: random.Random) -> str:
    return f"{rng.randrange(10**8, 10**10)}:AA{chars(rng, B64URL, 33)}"


def _discord(rng: random.Random) -> str:
    user = b64_of_text(str(rng.randrange(10**17, 10**18))).rstrip("=")
    return f"{user}.{chars(rng, B64URL, 6)}.{chars(rng, B64URL, 27)}"


def _azure_storage(rng: random.Random) -> str:
    return b64_of_bytes(rng, 64)


def _datadog(rng: random.Random) -> str:
    return hexs(rng, 32)


def _sentry(rng: random.Random) -> str:
    return "sntrys_" + b64_of_bytes(rng, 60, urlsafe=True, pad=False)


def _npm(rng: random.Random) -> str:
    from secretscan.scanner.rules.checksums import make_github_token

    return make_github_token("npm_", alnum(rng, 30))


def _cloudflare(rng: random.Random) -> str:
    return chars(rng, ALNUM + "-_", 40)


def _atlassian(rng: random.Random) -> str:
    return "ATATT3xFfGF0" + chars(rng, B64URL, 170) + "=" + hexs(rng, 8, upper=True)


# --- held out: only the dev benchmark uses these ---


def _shopify(rng: random.Random) -> str:
    return pick(rng, ("shpat_", "shpss_", "shpca_")) + hexs(rng, 32)


def _linear(rng: random.Random) -> str:
    return "lin_api_" + alnum(rng, 40)


def _doppler(rng: random.Random) -> str:
    return "dp.st.prd." + alnum(rng, 40)


def _postman(rng: random.Random) -> str:
    return f"PMAK-{hexs(rng, 24)}-{hexs(rng, 34)}"


def _digitalocean(rng: random.Random) -> str:
    return "dop_v1_" + hexs(rng, 64)


def _databricks(rng: random.Random) -> str:
    return "dapi" + hexs(rng, 32)


def _vault(rng: random.Random) -> str:
    return "hvs." + chars(rng, ALNUM + "_-", 91)


def _grafana(rng: random.Random) -> str:
    return f"glsa_{alnum(rng, 32)}_{hexs(rng, 8)}"


def _square(rng: random.Random) -> str:
    return "EAAA" + chars(rng, B64URL, 60)


def _newrelic(rng: random.Random) -> str:
    return "NRAK-" + chars(rng, UPPER + DIGITS, 27)


PROVIDERS: tuple[Provider, ...] = (
    Provider("github", ("GITHUB_TOKEN", "GH_TOKEN", "GITHUB_PAT"), _github("ghp_"), "ghp_", checksum=True),
    Provider("github-oauth", ("GITHUB_OAUTH_TOKEN", "GH_OAUTH_TOKEN"), _github("gho_"), "gho_", checksum=True),
    Provider("github-app", ("GITHUB_APP_TOKEN", "GH_INSTALLATION_TOKEN"), _github("ghs_"), "ghs_", checksum=True),
    Provider("github-fine-grained", ("GITHUB_TOKEN", "GH_PAT"), _github_fine_grained, "github_pat_"),
    Provider("npm", ("NPM_TOKEN", "NODE_AUTH_TOKEN"), _npm, "npm_", checksum=True),
    Provider("aws-access-key-id", ("AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY"), _aws_key_id, "AKIA"),
    Provider("aws-secret-key", ("AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY"), _aws_secret),
    Provider("slack-bot", ("SLACK_BOT_TOKEN", "SLACK_TOKEN"), _slack_bot, "xoxb-"),
    Provider("slack-user", ("SLACK_USER_TOKEN", "SLACK_API_TOKEN"), _slack_user, "xoxp-"),
    Provider("stripe-secret", ("STRIPE_SECRET_KEY", "STRIPE_API_KEY"), _stripe("sk_live_"), "sk_live_"),
    Provider("stripe-restricted", ("STRIPE_RESTRICTED_KEY",), _stripe("rk_live_"), "rk_live_"),
    Provider("stripe-test", ("STRIPE_TEST_SECRET_KEY", "STRIPE_SECRET_KEY"), _stripe("sk_test_"), "sk_test_"),
    Provider("stripe-webhook", ("STRIPE_WEBHOOK_SECRET",), _stripe_webhook, "whsec_"),
    Provider("openai", ("OPENAI_API_KEY", "OPENAI_KEY"), _openai, "sk-"),
    Provider("anthropic", ("ANTHROPIC_API_KEY", "CLAUDE_API_KEY"), _anthropic, "sk-ant-api03-"),
    Provider("google-api", ("GOOGLE_API_KEY", "GCP_API_KEY", "MAPS_API_KEY"), _google, "AIza"),
    Provider("gitlab", ("GITLAB_TOKEN", "CI_JOB_TOKEN_OVERRIDE", "GL_TOKEN"), _gitlab, "glpat-"),
    Provider("sendgrid", ("SENDGRID_API_KEY",), _sendgrid, "SG."),
    Provider("twilio", ("TWILIO_AUTH_TOKEN",), _twilio_token),
    Provider("mailgun", ("MAILGUN_API_KEY",), _mailgun, "key-"),
    Provider("huggingface", ("HF_TOKEN", "HUGGINGFACE_TOKEN", "HUGGING_FACE_HUB_TOKEN"), _huggingface, "hf_"),
    Provider("pypi", ("PYPI_TOKEN", "TWINE_PASSWORD"), _pypi, "pypi-"),
    Provider("telegram", ("TELEGRAM_BOT_TOKEN", "TG_BOT_TOKEN"), _telegram),
    Provider("discord", ("DISCORD_BOT_TOKEN", "DISCORD_TOKEN"), _discord),
    Provider("azure-storage", ("AZURE_STORAGE_KEY", "AZURE_STORAGE_ACCOUNT_KEY"), _azure_storage),
    Provider("datadog", ("DATADOG_API_KEY", "DD_API_KEY"), _datadog),
    Provider("sentry", ("SENTRY_AUTH_TOKEN",), _sentry, "sntrys_"),
    Provider("cloudflare", ("CLOUDFLARE_API_TOKEN", "CF_API_TOKEN"), _cloudflare),
    Provider("atlassian", ("JIRA_API_TOKEN", "ATLASSIAN_API_TOKEN", "CONFLUENCE_TOKEN"), _atlassian, "ATATT3"),
    Provider("shopify", ("SHOPIFY_ACCESS_TOKEN", "SHOPIFY_API_SECRET"), _shopify, "shpat_", heldout=True),
    Provider("linear", ("LINEAR_API_KEY",), _linear, "lin_api_", heldout=True),
    Provider("doppler", ("DOPPLER_TOKEN",), _doppler, "dp.st.", heldout=True),
    Provider("postman", ("POSTMAN_API_KEY",), _postman, "PMAK-", heldout=True),
    Provider("digitalocean", ("DIGITALOCEAN_TOKEN", "DO_API_TOKEN"), _digitalocean, "dop_v1_", heldout=True),
    Provider("databricks", ("DATABRICKS_TOKEN",), _databricks, "dapi", heldout=True),
    Provider("vault", ("VAULT_TOKEN",), _vault, "hvs.", heldout=True),
    Provider("grafana", ("GRAFANA_SERVICE_ACCOUNT_TOKEN", "GRAFANA_TOKEN"), _grafana, "glsa_", heldout=True),
    Provider("square", ("SQUARE_ACCESS_TOKEN",), _square, "EAAA", heldout=True),
    Provider("newrelic", ("NEW_RELIC_API_KEY", "NEWRELIC_USER_KEY"), _newrelic, "NRAK-", heldout=True),
)

TRAINING_PROVIDERS = tuple(p for p in PROVIDERS if not p.heldout)
HELDOUT_PROVIDERS = tuple(p for p in PROVIDERS if p.heldout)


def provider(name: str) -> Provider:
    for candidate in PROVIDERS:
        if candidate.name == name:
            return candidate
    raise KeyError(name)
