"""Known token formats: one declarative rule each (a name, keywords, a regex; `TokenRule` does the work).

Formats follow the vendors' documentation, cross-checked with gitleaks' and detect-secrets' rule sets.
Order matters only between rules that can match the same text: the earlier (more specific) one wins.
Rules whose format is a bare shape (a UUID, 32 hex chars) need the service's name before the value
(`context()`), and have a lower prior.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable

from secretscan.scanner.rules.base import CUT_GROUP, Specificity, TokenRule
from secretscan.scanner.rules.checksums import age_secret_key_valid, github_checksum_valid
from secretscan.scanner.rules.credential_files import PASSWORD_HASH, hash_output_looks_random
from secretscan.scanner.rules.entropy import looks_random

# The token must end here: not followed by more token characters.
_END = r"(?![A-Za-z0-9_-])"


def run_then_end(run: str, low: int, after: str = "") -> str:
    """`run` at least `low` times, then `after` and the token's end; failing that, the rest of the run as a cut.

    For a run that holds every character of the rule's head: a later start inside it reaches the same end and fails
    the same way, so the cut (see `base.CUT_GROUP`) lets the engine skip those starts and the rule stays linear.
    """
    return rf"(?:{run}{{{low},}}{after}{_END}|{run}*(?P<{CUT_GROUP}>))"


_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"


def context(names: str, value: str) -> str:
    """`<service name>… = <value>`: a name (case-insensitive) then, within a few characters, an assignment."""
    return (
        rf"(?i:{names})[\w.-]{{0,25}}?[\"'\]]{{0,2}}[ \t]{{0,3}}(?:=>|:=|=|:|,)[ \t]{{0,3}}[\"'`]?"
        rf"(?P<secret>{value}){_END}"
    )


def _b64url_json(segment: str) -> object:
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def jwt_shaped(token: str) -> bool:
    """A JWT's header decodes to a JSON object with an "alg" (or "typ"): not just any dotted base64."""
    try:
        header = _b64url_json(token.split(".", 1)[0])
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return False
    return isinstance(header, dict) and ("alg" in header or "typ" in header)


def _rule(
    id: str,
    category: str,
    regex: str,
    *keywords: str,
    prior: float = 0.9,
    checksum: Callable[[str], bool] | None = None,
    validate: Callable[[str], bool] | None = None,
    secret_group: int | str = 0,
    word_start: bool = True,
    inner_keywords: tuple[str, ...] = (),
    specificity: Specificity = Specificity.TOKEN,
    line_marker: str = "",
    certain: Callable[[str], bool] | None = None,
) -> TokenRule:
    return TokenRule(
        id=id,
        category=category,
        regex=regex,
        keywords=keywords,
        prior=prior,
        checksum=checksum,
        validate=validate,
        secret_group=secret_group,
        word_start=word_start,
        inner_keywords=inner_keywords,
        specificity=specificity,
        line_marker=line_marker,
        certain=certain,
        certain_why=_CERTAIN_WHY if certain is not None else "",
    )


# Formats whose prefix and shape leave nothing to judge: certain once their random part is random.
_CERTAIN_WHY = "the format leaves nothing to judge (a fixed prefix and length) and its random part looks random"


def _random_after(separators: str) -> Callable[[str], bool]:
    """The part after the last of `separators` (a webhook's last path segment, a key's body) looks random: not
    `xxxx`, `0000` or a word, which a docs example or a template holds."""

    def check(secret: str) -> bool:
        cut = max(secret.rfind(separator) for separator in separators)
        return looks_random(secret[cut + 1 :].replace("-", ""))

    return check


def _context_rule(
    id: str, category: str, names: str, value: str, *keywords: str, prior: float = 0.7, line_marker: str = ""
) -> TokenRule:
    return TokenRule(
        id=id,
        category=category,
        regex=context(names, value),
        keywords=keywords,
        prior=prior,
        secret_group="secret",
        word_start=False,
        line_marker=line_marker,
    )


def _decodes_to_private_pem(value: str) -> bool:
    """base64 of a PEM file (as a Kubernetes secret or a Go test holds it) that has a private key block."""
    try:
        decoded = base64.b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        return False
    return b"PRIVATE KEY-----" in decoded


def _not_a_variable(value: str) -> bool:
    # `-p %PASSWORD%`, `-p $Password`, `-p {pass}`, `-p <password>`: a script's variable, not the password.
    return not value.startswith(("$", "%", "{", "<"))


TOKEN_RULES: tuple[TokenRule, ...] = (
    # --- cloud ---
    _rule(
        "aws-access-key-id",
        "cloud",
        # Mostly base32, but AWS's own documented examples (and some issued IDs) hold 0, 1, 8 and 9 as well.
        r"(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}(?![A-Za-z0-9])",
        "akia",
        "asia",
        "abia",
        "acca",
        "a3t",
        prior=0.85,
    ),
    # Google Cloud Storage HMAC keys (the S3-compatible XML API; boto's `gs_access_key_id`): the access ID of a
    # service account opens with GOOG1, the secret is 40 base64 characters under a GCS name.
    _rule("gcs-hmac-access-id", "cloud", r"GOOG1[A-Z0-9]{20,60}(?![A-Za-z0-9])", "goog1", prior=0.8),
    _context_rule(
        "gcs-hmac-secret",
        "cloud",
        r"(?:gs|gcs)[\w.-]{0,20}?secret|hmac[_.-]?secret",
        r"[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])",
        "gs_secret",
        "gcs_",
        "gcs-",
        "gcs.",
        "hmac_secret",
        "hmac-secret",
        "hmac.secret",
        "hmacsecret",
        prior=0.8,
        line_marker="secret",
    ),
    _context_rule(
        "aws-secret-access-key",
        "cloud",
        r"aws[\w.-]{0,20}?secret|secret[_.-]?access[_.-]?key",
        r"[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])",
        "aws",
        "secret_access",
        "secretaccess",
        prior=0.85,
        # Both names hold "secret"; `aws` is in many texts, where the case-insensitive regex took a second (of the
        # token rules' 2.5 s) on realcode train + dev when it ran on the whole text.
        line_marker="secret",
    ),
    _rule("aws-mws-key", "cloud", rf"amzn\.mws\.{_UUID}", "amzn.mws"),
    _rule("gcp-api-key", "cloud", r"AIza[0-9A-Za-z_-]{35}" + _END, "aiza", prior=0.85),
    _rule("gcp-oauth-client-secret", "cloud", r"GOCSPX-[A-Za-z0-9_-]{28}" + _END, "gocspx-"),
    _rule("google-oauth-access-token", "cloud", r"ya29\.[0-9A-Za-z_-]{30,}" + _END, "ya29.", prior=0.8),
    _rule(
        "azure-storage-account-key",
        "cloud",
        r"AccountKey=(?P<secret>[A-Za-z0-9+/]{86}==)",
        "accountkey=",
        secret_group="secret",
        word_start=False,
    ),
    _rule(
        "azure-shared-access-key",
        "cloud",
        r"SharedAccessKey=(?P<secret>[A-Za-z0-9+/]{42,43}=)",
        "sharedaccesskey=",
        secret_group="secret",
        word_start=False,
    ),
    _rule(
        "azure-ad-client-secret",
        "cloud",
        r"[A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.-]{31,34}(?![A-Za-z0-9_~.-])",
        "q~",
        prior=0.8,
        inner_keywords=("q~",),
    ),
    _rule("digitalocean-token", "cloud", r"do[opr]_v1_[a-f0-9]{64}" + _END, "dop_v1_", "doo_v1_", "dor_v1_"),
    _rule("heroku-api-key-v2", "cloud", r"HRKU-AA[0-9a-zA-Z_-]{58}" + _END, "hrku-aa"),
    _context_rule("heroku-api-key", "cloud", "heroku", _UUID, "heroku"),
    _rule("alibaba-access-key-id", "cloud", r"LTAI[A-Za-z0-9]{12,20}(?![A-Za-z0-9])", "ltai", prior=0.8),
    _rule("cloudflare-origin-ca-key", "cloud", r"v1\.0-[a-f0-9]{24}-[a-f0-9]{146}" + _END, "v1.0-"),
    _context_rule("cloudflare-api-token", "cloud", "cloudflare|cf_api", r"[A-Za-z0-9_-]{40}", "cloudflare", "cf_api"),
    _rule(
        "flyio-token", "cloud", r"(?:fo1_[\w-]{43}|fm[12][ar]?_[A-Za-z0-9+/]{100,}={0,3})" + _END, "fo1_", "fm1", "fm2_"
    ),
    _rule("planetscale-token", "cloud", r"pscale_(?:tkn|pw|oauth)_[\w=.-]{32,64}" + _END, "pscale_"),
    _rule("supabase-token", "cloud", r"sbp_[a-f0-9]{40}" + _END, "sbp_"),
    _rule(
        "tailscale-key",
        "cloud",
        r"tskey-(?:api|auth|client|webhook|scim)-[A-Za-z0-9]{6,}-[A-Za-z0-9]{16,}" + _END,
        "tskey-",
    ),
    _rule(
        "terraform-cloud-token",
        "cloud",
        r"[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=-]{60,70}" + _END,
        "atlasv1",
        inner_keywords=("atlasv1",),
    ),
    _rule("vault-token", "cloud", r"hv[sb]\.[\w-]{90,300}" + _END, "hvs.", "hvb."),
    _rule(
        "doppler-token",
        "cloud",
        # A service token may name its config: `dp.st.<config>.<key>`.
        r"dp\.(?:pt|st(?:\.[a-z0-9_-]{2,35})?|sa|ct|scim|audit)\.[A-Za-z0-9]{40,44}" + _END,
        "dp.pt.",
        "dp.st.",
        "dp.sa.",
        "dp.ct.",
        "dp.scim.",
        "dp.audit.",
    ),
    _rule("pulumi-token", "cloud", r"pul-[a-f0-9]{40}" + _END, "pul-"),
    _rule("render-api-key", "cloud", r"rnd_[A-Za-z0-9]{32}" + _END, "rnd_", prior=0.8),
    _rule("netlify-token", "cloud", r"nfp_[A-Za-z0-9]{36}" + _END, "nfp_"),
    _rule("dynatrace-token", "cloud", r"dt0c01\.[A-Z0-9]{24}\.[A-Z0-9]{64}" + _END, "dt0c01."),
    _rule("newrelic-user-key", "cloud", r"NRAK-[A-Z0-9]{27}" + _END, "nrak-"),
    # Admin, Insights insert/query, REST and browser keys; the license key ends in NRAL.
    _rule(
        "newrelic-api-key",
        "cloud",
        r"(?:NRAA-[a-f0-9]{27}|NRI[IQ]-[A-Za-z0-9_-]{32}|NRRA-[a-f0-9]{42}|NRJS-[a-f0-9]{19})" + _END,
        "nraa-",
        "nrii-",
        "nriq-",
        "nrra-",
        "nrjs-",
        certain=lambda secret: looks_random(secret[5:].replace("-", "").replace("_", "")),
    ),
    _rule(
        "newrelic-license-key",
        "cloud",
        r"[A-Za-z0-9]{6}[a-f0-9]{30}NRAL" + _END,
        "nral",
        prior=0.85,
        inner_keywords=("nral",),
        line_marker="nral",
        certain=lambda secret: looks_random(secret[:-4]),
    ),
    _rule(
        "pixie-api-key",
        "cloud",
        rf"px-(?:api|dep)-{_UUID}" + _END,
        "px-api-",
        "px-dep-",
        certain=lambda secret: looks_random(secret[7:].replace("-", "")),
    ),
    # Salesforce OAuth access and session tokens: the org's id (15 characters, `00D…`), `!`, 96 more.
    _rule("salesforce-access-token", "cloud", r"00D[A-Za-z0-9]{12}![A-Za-z0-9._]{96}(?![A-Za-z0-9._])", "00d"),
    # TrueNAS API keys, `<key id>-<64 alphanumerics>`: a bare shape, so only as a JSON-RPC login's parameter.
    _rule(
        "truenas-api-key",
        "cloud",
        r"\"params\"\s*:\s*\[\s*\"(?P<secret>\d{1,6}-[A-Za-z0-9]{64})\"",
        '"params"',
        prior=0.85,
        secret_group="secret",
        word_start=False,
    ),
    # ThingsBoard device access tokens travel in the HTTP and CoAP API's path.
    _rule(
        "thingsboard-access-token",
        "cloud",
        r"thingsboard\.cloud/api/v1/(?P<secret>[a-z0-9]{20})(?![A-Za-z0-9])",
        "thingsboard.cloud",
        prior=0.85,
        secret_group="secret",
        certain=looks_random,
    ),
    _rule(
        "dependency-track-api-key",
        "cloud",
        r"odt_[A-Za-z0-9]{32,255}" + _END,
        "odt_",
        prior=0.85,
        certain=_random_after("_"),
    ),
    # Okta API tokens: `00` and 40 base-62 characters, under an Okta name or after SSWS (Okta's Authorization
    # scheme). Two rules, so that each runs on the lines that hold its own anchor.
    _context_rule(
        "okta-api-token",
        "cloud",
        "okta",
        r"00[A-Za-z0-9_-]{39}[A-Za-z0-9_]",
        "okta",
        prior=0.8,
        line_marker="okta",
    ),
    _rule(
        "okta-api-token",
        "cloud",
        r"(?i:ssws)[ \t]+(?P<secret>00[A-Za-z0-9_-]{39}[A-Za-z0-9_])" + _END,
        "ssws",
        prior=0.8,
        secret_group="secret",
        word_start=False,
        line_marker="ssws",
    ),
    _rule(
        "kubernetes-bootstrap-token",
        "cloud",
        # `<6>.<16>` lowercase base-36 (kubeadm's --token, a bootstrap-token Secret's token): only after a token name,
        # in a text that speaks of kubeadm or bootstrap tokens (most texts say "token").
        r"(?:--token[ \t=]+|(?i:token)[\w-]{0,10}[\"']?[ \t]*[:=][ \t]*[\"']?)(?P<secret>[a-z0-9]{6}\.[a-z0-9]{16})"
        r"(?![\w.-])",
        "kubeadm",
        "bootstrap",
        "--token",
        "join_token",
        "join-token",
        prior=0.75,
        secret_group="secret",
        word_start=False,
        inner_keywords=("kubeadm", "bootstrap", "join_token", "join-token"),
        line_marker="token",
    ),
    _rule(
        "grafana-token",
        "cloud",
        r"(?:glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}|glc_[A-Za-z0-9+/]{32,400}={0,3}"
        r"|eyJrIjoi[A-Za-z0-9]{70,400}={0,3})" + _END,
        "glsa_",
        "glc_",
        "eyjrijoi",
    ),
    _rule(
        "sentry-token",
        "cloud",
        rf"(?:sntryu_[a-f0-9]{{64}}{_END}|sntrys_eyJ{run_then_end('[A-Za-z0-9+/=_]', 60)})",
        "sntryu_",
        "sntrys_",
    ),
    _context_rule(
        "datadog-api-key",
        "cloud",
        r"datadog|dd[_-](?:api|app)[_-]?key",
        r"[a-f0-9]{32}(?:[a-f0-9]{8})?",
        "datadog",
        "dd_api",
        "dd_app",
        "dd-api",
        "dd-app",
    ),
    # --- version control and CI ---
    _rule("github-pat", "vcs", r"ghp_[A-Za-z0-9]{36}" + _END, "ghp_", checksum=github_checksum_valid),
    _rule("github-oauth", "vcs", r"gho_[A-Za-z0-9]{36}" + _END, "gho_", checksum=github_checksum_valid),
    _rule("github-user-to-server", "vcs", r"ghu_[A-Za-z0-9]{36}" + _END, "ghu_", checksum=github_checksum_valid),
    _rule("github-server-to-server", "vcs", r"ghs_[A-Za-z0-9]{36}" + _END, "ghs_", checksum=github_checksum_valid),
    _rule("github-refresh-token", "vcs", r"ghr_[A-Za-z0-9]{36}" + _END, "ghr_", checksum=github_checksum_valid),
    _rule(
        "github-fine-grained-pat",
        "vcs",
        r"github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}" + _END,
        "github_pat_",
        prior=0.95,
    ),
    _rule("gitlab-pat", "vcs", r"glpat-[A-Za-z0-9_-]{20}(?:[A-Za-z0-9_-]{7,280}\.[0-9a-z]{9})?" + _END, "glpat-"),
    _rule(
        "gitlab-token",
        "vcs",
        r"(?:gl(?:dt|ft|soat|rt|imt|ffct)-[A-Za-z0-9_-]{20,}|glptt-[0-9a-f]{40}"
        r"|glagent-[A-Za-z0-9_-]{50}|gloas-[A-Za-z0-9_-]{64}|glcbt-[0-9a-zA-Z]{1,5}_[0-9a-zA-Z_-]{20}"
        r"|GR1348941[\w-]{20})" + _END,
        "gldt-",
        "glft-",
        "glsoat-",
        "glrt-",
        "glimt-",
        "glffct-",
        "glptt-",
        "glagent-",
        "gloas-",
        "glcbt-",
        "gr1348941",
    ),
    _rule("bitbucket-app-password", "vcs", r"ATBB[A-Za-z0-9_=.-]{32}" + _END, "atbb"),
    _rule("atlassian-api-token", "vcs", r"ATATT3[A-Za-z0-9_=-]{186}" + _END, "atatt3"),
    _rule("buildkite-token", "vcs", r"bkua_[a-f0-9]{40}" + _END, "bkua_"),
    _rule("circleci-token", "vcs", r"CCIPAT_[A-Za-z0-9]{22}_[a-f0-9]{40}" + _END, "ccipat_"),
    _rule("sourcegraph-token", "vcs", r"sgp_(?:[a-f0-9]{16}_|local_)?[a-f0-9]{40}" + _END, "sgp_"),
    # Jenkins API tokens (`11` and 32 hex since 2.129, 32 hex before), crumbs and build tokens: hex or a UUID
    # under a Jenkins name (`JENKINS_TOKEN=`, `Jenkins-Crumb:`).
    _context_rule(
        "jenkins-token",
        "vcs",
        "jenkins",
        rf"11[a-f0-9]{{32}}|[a-f0-9]{{32}}(?:[a-f0-9]{{32}})?|{_UUID}",
        "jenkins",
        line_marker="jenkins",
    ),
    _rule(
        "sonarqube-token", "vcs", r"sq[uap]_[a-f0-9]{40}" + _END, "squ_", "sqp_", "sqa_", certain=_random_after("_")
    ),
    # The older user tokens: 40 hex as `sonar.login` (a scanner property or flag) or a `sonarToken` variable.
    _context_rule(
        "sonarqube-login",
        "vcs",
        r"sonar[\w.-]{0,5}?(?:login|token)",
        r"[a-f0-9]{40}",
        "sonar",
        line_marker="sonar",
    ),
    # A CodeClimate test reporter id (or the old reporters' repo token) only uploads coverage: judged, lower.
    _context_rule(
        "codeclimate-reporter-id",
        "vcs",
        "codeclimate_repo_token|cc_test_reporter_id",
        r"[a-f0-9]{64}",
        "codeclimate_repo_token",
        "cc_test_reporter_id",
        prior=0.6,
    ),
    # --- private keys without their PEM armour ---
    # The base64 of a DER private key: PKCS#1 RSA (`version 0, modulus`), PKCS#8 (`version 0, AlgorithmIdentifier`),
    # SEC1 EC P-256 and PKCS#8 Ed25519 start with fixed bytes. A certificate or a public key starts otherwise.
    _rule(
        "base64-private-key",
        "private-key",
        r"(?:MII[A-Za-z0-9+/]{3}IBA(?:AK|DAN)|MIG[A-Za-z0-9+/]AgEAMBMGByqGSM49AgEGCCqGSM49|MHcCAQEEI|MC4CAQAwBQYDK2VwBCIEI)"
        + run_then_end("[A-Za-z0-9+/]", 40, "={0,2}"),
        "mii",
        "mig",
        "mhccaqeei",
        "mc4caqawbqydk2vwbciei",
        prior=0.8,
        # Below a PEM block, whose body starts the same way: the block (certain when it parses) must win the span.
        specificity=Specificity.CONNECTION,
    ),
    # A whole PEM file in base64: "-----BEGIN" and "Bag Attributes" (openssl pkcs12's output) encode to these.
    _rule(
        "base64-private-key-pem",
        "private-key",
        r"(?:LS0tLS1CRUdJTi|QmFnIEF0dHJpYnV0ZXM)" + run_then_end("[A-Za-z0-9+/]", 40, "={0,2}"),
        "ls0tls1crudjti",
        "qmfnief0dhjpynv0zxm",
        prior=0.85,
        validate=_decodes_to_private_pem,
        specificity=Specificity.CONNECTION,
    ),
    # --- chat ---
    _rule("slack-bot-token", "chat", r"xoxb-[0-9]{8,14}-" + run_then_end("[0-9A-Za-z-]", 16), "xoxb-"),
    _rule(
        "slack-user-token",
        "chat",
        r"xox[pe]-[0-9]{8,14}-[0-9]{8,14}-[0-9]{8,14}-[0-9A-Za-z]{28,34}" + _END,
        "xoxp-",
        "xoxe-",
    ),
    # Token rotation: access tokens `xoxe.xoxp-1-…`, `xoxe.xoxb-1-…` and refresh tokens `xoxe-1-…`.
    _rule(
        "slack-rotating-token",
        "chat",
        r"xoxe(?:\.xox[bp])?-\d-" + run_then_end("[0-9A-Za-z]", 40),
        "xoxe",
        prior=0.85,
    ),
    _rule("slack-app-token", "chat", r"xapp-\d-[A-Z0-9]+-\d+-[a-z0-9]+" + _END, "xapp-"),
    _rule(
        "slack-legacy-token",
        "chat",
        # The format's optional `<digit>-` after the prefix is part of the run.
        "xox[aors]-" + run_then_end("[0-9A-Za-z-]", 10),
        "xoxa-",
        "xoxo-",
        "xoxr-",
        "xoxs-",
        prior=0.8,
    ),
    _rule(
        "slack-webhook",
        "chat",
        r"https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/_-]{40,60}",
        "hooks.slack.com",
        certain=_random_after("/"),
    ),
    _rule(
        "discord-webhook",
        "chat",
        r"https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/\d{17,20}/[\w-]{60,68}",
        "discord",
    ),
    _rule(
        "discord-bot-token",
        "chat",
        r"[MNO][A-Za-z\d_-]{23,25}\.[\w-]{6}\.[\w-]{27,38}" + _END,
        "discord",
        prior=0.8,
        inner_keywords=("discord",),
    ),
    _rule(
        "telegram-bot-token", "chat", r"\d{8,10}:AA[A-Za-z0-9_-]{32,33}" + _END, ":aa", prior=0.85, line_marker=":aa"
    ),
    _rule(
        "twitch-stream-key",
        "chat",
        r"live_\d{8,12}_[A-Za-z0-9]{30,36}" + _END,
        "live_",
        prior=0.85,
        certain=_random_after("_"),
    ),
    _rule(
        "microsoft-teams-webhook",
        "chat",
        # The connector URLs before 2021 were on outlook.office.com (and office365.com).
        r"https://(?:[\w-]+\.webhook\.office\.com/webhookb2|outlook\.office(?:365)?\.com/webhook)/[\w@/-]{100,}",
        "webhook.office.com",
        "outlook.office",
        certain=_random_after("/"),
    ),
    _rule(
        "blynk-client-secret",
        "chat",
        r"oa2-client-id_[\w-]{32}(?::|&client_secret=)(?P<secret>[\w-]{40})" + _END,
        "oa2-client-id_",
        secret_group="secret",
        certain=looks_random,
    ),
    # --- payment ---
    _rule(
        "stripe-secret-key",
        "payment",
        r"[sr]k_(?:live|test|prod)_[A-Za-z0-9]{16,247}" + _END,
        "sk_live",
        "sk_test",
        "sk_prod",
        "rk_live",
        "rk_test",
        "rk_prod",
    ),
    _rule("stripe-webhook-secret", "payment", r"whsec_[A-Za-z0-9+/=]{32,}" + _END, "whsec_"),
    _rule("square-access-token", "payment", r"(?:sq0atp-[\w-]{22}|EAAA[\w-]{60})" + _END, "sq0atp-", "eaaa"),
    _rule("square-oauth-secret", "payment", r"sq0csp-[\w-]{43}" + _END, "sq0csp-"),
    _rule(
        "braintree-access-token",
        "payment",
        r"access_token\$production\$[0-9a-z]{16}\$[0-9a-f]{32}",
        "access_token$production$",
    ),
    _rule(
        "shopify-token", "payment", r"shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}" + _END, "shpat_", "shpca_", "shppa_", "shpss_"
    ),
    # --- mail ---
    _rule("sendgrid-api-key", "mail", r"SG\.[\w-]{22}\.[\w-]{43}" + _END, "sg."),
    # Mailgun's private keys are 32 base-36 characters, not hex (its docs' example has letters past f).
    _rule("mailgun-api-key", "mail", r"key-[0-9a-z]{32}" + _END, "key-", prior=0.7),
    _rule("mailchimp-api-key", "mail", r"[0-9a-f]{32}-us\d{1,2}" + _END, "-us", prior=0.8, line_marker="-us"),
    _context_rule("postmark-server-token", "mail", "postmark", _UUID, "postmark"),
    _rule("brevo-api-key", "mail", r"xkeysib-[a-f0-9]{64}-[A-Za-z0-9]{16}" + _END, "xkeysib-"),
    # --- package registries ---
    _rule("npm-token", "registry", r"npm_[A-Za-z0-9]{36}" + _END, "npm_", checksum=github_checksum_valid),
    _rule("pypi-token", "registry", r"pypi-(?:AgEIcHlwaS5vcmc|AgENdGVzdC5weXBpLm9yZw)[\w-]{50,1000}" + _END, "pypi-ag"),
    _rule("dockerhub-token", "registry", r"dckr_pat_[\w-]{27}" + _END, "dckr_pat_"),
    _rule("rubygems-token", "registry", r"rubygems_[a-f0-9]{48}" + _END, "rubygems_"),
    _rule("nuget-api-key", "registry", r"oy2[a-z0-9]{43}" + _END, "oy2", prior=0.75),
    _rule("clojars-token", "registry", r"CLOJARS_[a-z0-9]{60}" + _END, "clojars_"),
    _rule("artifactory-api-key", "registry", r"AKCp[A-Za-z0-9]{69}" + _END, "akcp"),
    # --- AI services ---
    _rule(
        "anthropic-api-key", "ai", r"sk-ant-(?:api|admin|sid)\d{2}-[A-Za-z0-9_-]{80,120}" + _END, "sk-ant-", prior=0.95
    ),
    _rule(
        "openai-api-key",
        "ai",
        r"sk-(?:(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,200}|[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20})" + _END,
        "sk-proj-",
        "sk-svcacct-",
        "sk-admin-",
        "t3blbkfj",
        inner_keywords=("t3blbkfj",),
    ),
    _rule("huggingface-token", "ai", r"(?:hf_|api_org_)[A-Za-z0-9]{34}" + _END, "hf_", "api_org_"),
    _rule("groq-api-key", "ai", r"gsk_[A-Za-z0-9]{52}" + _END, "gsk_"),
    _rule("replicate-token", "ai", r"r8_[A-Za-z0-9]{37}" + _END, "r8_"),
    _rule("perplexity-api-key", "ai", r"pplx-[A-Za-z0-9]{48}" + _END, "pplx-"),
    _rule("xai-api-key", "ai", r"xai-[A-Za-z0-9]{80}" + _END, "xai-"),
    _rule("langsmith-api-key", "ai", r"lsv2_(?:pt|sk)_[a-f0-9]{32}_[a-f0-9]{10}" + _END, "lsv2_"),
    _rule(
        "tavily-api-key", "ai", r"tvly-(?:dev-|prod-)?[A-Za-z0-9]{32}" + _END, "tvly-", certain=_random_after("-")
    ),
    _rule("jina-api-key", "ai", r"jina_[A-Za-z0-9]{60}" + _END, "jina_", certain=_random_after("_")),
    # --- other SaaS ---
    _rule("databricks-token", "saas", r"dapi[a-f0-9]{32}(?:-\d)?" + _END, "dapi"),
    _rule("linear-api-key", "saas", r"lin_api_[A-Za-z0-9]{40}" + _END, "lin_api_"),
    _rule(
        "notion-token",
        "saas",
        r"(?:ntn_[0-9]{11}[A-Za-z0-9]{35}|secret_[A-Za-z0-9]{43})" + _END,
        "ntn_",
        "secret_",
        prior=0.8,
    ),
    _rule("twilio-api-key", "saas", r"SK[0-9a-fA-F]{32}(?![A-Za-z0-9])", "sk", prior=0.6),
    # The auth token that goes with an account SID (AC…): 32 hex characters under a Twilio name.
    _context_rule("twilio-auth-token", "saas", r"twilio[\w.-]{0,20}?(?:token|secret)", r"[0-9a-f]{32}", "twilio"),
    # NATS nkey seeds: "S", the key type (user, account, operator, server, cluster, curve), 56 base32 characters.
    _rule("nats-nkey-seed", "saas", r"S[UAONCX][A-Z2-7]{56}" + _END, "su", "sa", "so", "sn", "sc", "sx", prior=0.85),
    _rule("postman-api-key", "saas", r"PMAK-[a-f0-9]{24}-[a-f0-9]{34}" + _END, "pmak-"),
    _rule("figma-token", "saas", r"figd_[\w-]{40}" + _END, "figd_"),
    _rule("airtable-pat", "saas", r"pat[A-Za-z0-9]{14}\.[a-f0-9]{64}" + _END, "pat"),
    _rule("prefect-api-key", "saas", r"pnu_[A-Za-z0-9]{36}" + _END, "pnu_"),
    _rule("readme-api-key", "saas", r"rdme_[a-z0-9]{70}" + _END, "rdme_"),
    _rule("onepassword-service-token", "saas", r"ops_eyJ[A-Za-z0-9+/]{250,}={0,3}", "ops_eyj"),
    _rule("facebook-access-token", "saas", "EAA[CM]" + run_then_end("[A-Za-z0-9]", 100), "eaac", "eaam", prior=0.8),
    _rule("twitter-bearer-token", "saas", r"A{22}[A-Za-z0-9%]{80,100}" + _END, "aaaaaaaaaaaaaaaaaaaaaa", prior=0.8),
    # sk.: secret, tk.: temporary; pk. tokens are public by design.
    _rule(
        "mapbox-secret-token", "saas", r"[st]k\.eyJ[A-Za-z0-9_-]{50,}\.[A-Za-z0-9_-]{20,}" + _END, "sk.eyj", "tk.eyj"
    ),
    _rule(
        "firebase-cloud-messaging-key",
        "saas",
        r"AAAA[A-Za-z0-9_-]{7}:APA91b[A-Za-z0-9_-]{134}" + _END,
        "apa91b",
        inner_keywords=("apa91b",),
    ),
    _rule("infracost-api-key", "saas", r"ico-[A-Za-z0-9]{32}" + _END, "ico-"),
    _rule("adafruit-io-key", "saas", r"aio_[A-Za-z0-9]{28}" + _END, "aio_", certain=_random_after("_")),
    # A Facebook app secret is 32 hex characters: a bare shape, under a Facebook name only. Not `fb`: hex and
    # minified code hold it so often that the case-insensitive name, tried at every position, cost 1.5 s on
    # realcode train + dev.
    _context_rule(
        "facebook-app-secret", "saas", "facebook", r"[a-f0-9]{32}", "facebook", line_marker="facebook"
    ),
    _rule("easypost-api-key", "saas", r"EZ[AT]K[A-Za-z0-9]{54}" + _END, "ezak", "eztk"),
    _rule("duffel-token", "saas", r"duffel_(?:test|live)_[A-Za-z0-9_=-]{43}" + _END, "duffel_"),
    _rule("scalingo-token", "saas", r"tk-us-[\w-]{48}" + _END, "tk-us-"),
    # --- crypto and auth ---
    # Sysinternals PsExec runs a command on another Windows host as `-u user -p password`.
    _rule(
        "psexec-password",
        "password",
        r"(?i:psexec)(?:\.exe)?[^\n]{0,120}?[ \t]-u[ \t]*[^\s\"']+[ \t]+-p[ \t]*(?P<secret>[^\s\"']+)",
        "psexec",
        prior=0.7,
        secret_group="secret",
        validate=_not_a_variable,
        line_marker="psexec",
    ),
    # .NET's `DirectoryEntry(path, username, password)` binds to LDAP or Active Directory with the password.
    _rule(
        "ldap-bind-password",
        "password",
        r"DirectoryEntry\([ \t]*\"[^\"\n]*\"[ \t]*,\s*\"[^\"\n]*\"[ \t]*,\s*\"(?P<secret>[^\"\n]+)\"",
        "directoryentry(",
        prior=0.7,
        secret_group="secret",
    ),
    # Gradle's `credentials { username '…' password '…' }` block (a Maven repository's login): Groovy's
    # call-without-parentheses form, with no `=` for the assignment rules to see.
    _rule(
        "gradle-credentials-password",
        "password",
        r"(?m)^[ \t]*password[ \t]+[\"'](?P<secret>[^\"'\n]{1,60})[\"'][ \t]*\r?$",
        "credentials",
        prior=0.7,
        secret_group="secret",
        line_marker="password",
    ),
    # A password given in prose, as a README or a script's message does: `the password is 'hunter22'`,
    # `the password for user 'admin' is "…"`. Quoted, so that a sentence's next word is not taken for one.
    _rule(
        "password-in-prose",
        "password",
        r"(?i:password)(?:[ \t]+for[ \t]+(?:the[ \t]+)?user[ \t]+[\"'][^\"'\n]{1,40}[\"'])?[ \t]+is[ \t]+"
        r"[\"'](?P<secret>[^\"'\s]{3,64})[\"']",
        "password",
        prior=0.6,
        secret_group="secret",
        word_start=False,
        line_marker="password",
    ),
    # Outside a passwd-style file or an SQL dump (credential_files.py), only the hashes that are credential
    # material wherever they are: a router's Cisco type 8/9 secret and a roasted Kerberos ticket (AS-REP, TGS-REP),
    # which is attack output. A crypt/bcrypt/argon2 hash in code or config is as often a seed's or a test's
    # expected value as a leak, and our labelled corpora call it harmless: those stay with the assignment rules.
    # It can be cracked offline, but a hash is not the password: judged, below the file rules.
    _rule(
        PASSWORD_HASH,
        PASSWORD_HASH,
        r"\$(?:[89]\$[./0-9A-Za-z]{14}\$[./0-9A-Za-z]{43}"
        r"|krb5(?:asrep|tgs)\$\d{2}\$(?:[^\s'\"$:]{1,200}[$:]){1,4}[0-9a-fA-F]{24,32}\$[0-9a-fA-F]{64,})"
        r"(?![./0-9A-Za-z+])",
        "$8$",
        "$9$",
        "$krb5asrep$",
        "$krb5tgs$",
        prior=0.55,
        validate=hash_output_looks_random,
        word_start=False,
        specificity=Specificity.CONNECTION,
    ),
    _rule(
        "age-secret-key",
        "crypto",
        r"AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}(?![A-Za-z0-9])",
        "age-secret-key-1",
        checksum=age_secret_key_valid,
    ),
    _rule(
        "jwt",
        "auth",
        "eyJ" + run_then_end("[A-Za-z0-9_-]", 10, r"\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"),
        "eyj",
        prior=0.6,
        validate=jwt_shaped,
    ),
)

# Keywords that most texts hold: on realcode train + dev (5,084 texts) these gave 573k of the 587k places where a
# token keyword occurs (nats' `su` alone 120k, at the start of a word in 2,948 texts). `anchors.py` looks for each
# with a search that stops at its first, rather than listing every place. Any keyword may be listed or not: the
# rules that run are the same, only the time changes. In the order to try them: the likeliest first.
FREQUENT_KEYWORDS: tuple[str, ...] = ("su", "so", "sc", "sa", "pat", "sk", "sn", "sx", "a" * 22)
