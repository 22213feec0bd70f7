"""Every token format: one line that must be found, one near miss that must not.

Tokens are assembled at run time from a seeded generator and split prefixes, so this file contains no literal
secret for any scanner (ours, gitleaks, detect-secrets) to flag.
"""

from __future__ import annotations

import base64
import json
import random
import string
import uuid

import pytest

from secretscan.scanner.candidates import find_candidates
from secretscan.scanner.rules import RULE_IDS, TOKEN_RULES
from secretscan.scanner.rules.checksums import make_age_secret_key, make_github_token
from secretscan.scanner.types import Certainty, ScanUnit

A62 = string.digits + string.ascii_letters
HEX = "0123456789abcdef"
UPPER_DIGITS = string.ascii_uppercase + string.digits
LOWER_DIGITS = string.ascii_lowercase + string.digits
URLSAFE = A62 + "_-"
B64 = A62 + "+/"
CRYPT = "./" + A62


def rand(charset: str, n: int, seed: str = "") -> str:
    rng = random.Random(f"{seed}{charset}{n}")
    return "".join(rng.choice(charset) for _ in range(n))


def digits(n: int) -> str:
    return rand(string.digits, n)


def a_uuid(seed: str = "u") -> str:
    return str(uuid.UUID(int=random.Random(seed).getrandbits(128)))


def b64url(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def jwt() -> str:
    return ".".join([b64url({"alg": "HS256", "typ": "JWT"}), b64url({"sub": "1234", "name": "x"}), rand(URLSAFE, 43)])


def github(prefix: str) -> str:
    return make_github_token(prefix, rand(A62, 30, prefix))


# (rule id, a token or a whole line, a near miss). A bare token is placed on a neutral line: `value = "<token>"`.
def _der_b64(prefix: bytes) -> str:
    """A DER structure's base64: a PKCS#1 private key starts `version 0, modulus`, a certificate otherwise."""
    return base64.b64encode(prefix + bytes(random.Random(prefix).getrandbits(8) for _ in range(240))).decode()


def _pem_b64(kind: str) -> str:
    body = _der_b64(b"\x30\x82\x04\xa4\x02\x01\x00")
    pem = f"-----BEGIN {kind} KEY-----\n{body}\n-----END {kind} KEY-----\n"
    return base64.b64encode(pem.encode()).decode()


CASES: list[tuple[str, str, str]] = [
    (
        "aws-access-key-id",
        "AK" + "IA" + rand("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16),
        "AK" + "IA" + rand(UPPER_DIGITS, 12),
    ),
    (
        "aws-secret-access-key",
        f'aws_secret_access_key = "{rand(B64, 40)}"',
        f'aws_secret_access_key = "{rand(B64, 39)}"',
    ),
    ("gcs-hmac-access-id", "GO" + "OG1E" + rand(UPPER_DIGITS, 56), "GO" + "OG1E" + rand(UPPER_DIGITS, 10)),
    (
        "gcs-hmac-secret",
        f'gs_secret_access_key = "{rand(B64, 40, "gcs")}"',
        f'gs_secret_access_key = "{rand(B64, 30, "gcs")}"',
    ),
    ("aws-mws-key", "amzn" + ".mws." + a_uuid(), "amzn" + ".mws.not-a-uuid"),
    ("gcp-api-key", "AI" + "za" + rand(URLSAFE, 35), "AI" + "za" + rand(URLSAFE, 30)),
    ("gcp-oauth-client-secret", "GOC" + "SPX-" + rand(URLSAFE, 28), "GOC" + "SPX-" + rand(URLSAFE, 12)),
    ("google-oauth-access-token", "ya" + "29." + rand(URLSAFE, 80), "ya" + "29.short"),
    (
        "azure-storage-account-key",
        "DefaultEndpointsProtocol=https;AccountName=acme;Account"
        + f"Key={rand(B64, 86)}==;EndpointSuffix=core.windows.net",
        "AccountName=acme;Account" + f"Key={rand(B64, 20)}==",
    ),
    (
        "azure-shared-access-key",
        "Endpoint=sb://acme.servicebus.windows.net/;SharedAccessKeyName=Root;Shared" + f"AccessKey={rand(B64, 43)}=",
        "SharedAccessKeyName=Root;Shared" + f"AccessKey={rand(B64, 10)}=",
    ),
    ("azure-ad-client-secret", rand(A62, 3) + "8Q~" + rand(A62, 34), rand(A62, 3) + "xQ~" + rand(A62, 34)),
    ("digitalocean-token", "do" + "p_v1_" + rand(HEX, 64), "do" + "p_v1_" + rand(HEX, 40)),
    ("heroku-api-key-v2", "HRKU-" + "AA" + rand(URLSAFE, 58), "HRKU-" + "AB" + rand(URLSAFE, 58)),
    ("heroku-api-key", f'HEROKU_API_KEY = "{a_uuid("h")}"', 'HEROKU_API_KEY = "not-a-uuid-value"'),
    ("alibaba-access-key-id", "LT" + "AI" + rand(A62, 20), "LT" + "AI" + rand(A62, 8)),
    (
        "cloudflare-origin-ca-key",
        "v1.0-" + rand(HEX, 24) + "-" + rand(HEX, 146),
        "v1.0-" + rand(HEX, 24) + "-" + rand(HEX, 100),
    ),
    (
        "cloudflare-api-token",
        f'CLOUDFLARE_API_TOKEN = "{rand(URLSAFE, 40)}"',
        f'CLOUDFLARE_ZONE = "{rand(URLSAFE, 12)}"',
    ),
    ("flyio-token", "fo" + "1_" + rand(URLSAFE, 43), "fo" + "1_" + rand(URLSAFE, 20)),
    ("planetscale-token", "pscale" + "_tkn_" + rand(A62, 43), "pscale" + "_tkn_short"),
    ("supabase-token", "sb" + "p_" + rand(HEX, 40), "sb" + "p_" + rand(HEX, 30)),
    ("tailscale-key", "tskey-" + "auth-" + rand(A62, 10) + "-" + rand(A62, 30), "tskey-" + "auth-abc"),
    (
        "terraform-cloud-token",
        rand(A62, 14) + ".atlas" + "v1." + rand(URLSAFE, 67),
        rand(A62, 14) + ".atlas" + "v1.short",
    ),
    ("vault-token", "hv" + "s." + rand(URLSAFE, 95), "hv" + "s." + rand(URLSAFE, 24)),
    ("doppler-token", "dp" + ".pt." + rand(A62, 43), "dp" + ".pt." + rand(A62, 20)),
    ("doppler-token", "dp" + ".st.staging." + rand(A62, 43), "dp" + ".st.staging." + rand(A62, 20)),
    ("pulumi-token", "pul" + "-" + rand(HEX, 40), "pul" + "-" + rand(HEX, 20)),
    ("render-api-key", "rnd" + "_" + rand(A62, 32), "rnd" + "_" + rand(A62, 16)),
    ("netlify-token", "nfp" + "_" + rand(A62, 36), "nfp" + "_" + rand(A62, 20)),
    (
        "dynatrace-token",
        "dt0c01." + rand(UPPER_DIGITS, 24) + "." + rand(UPPER_DIGITS, 64),
        "dt0c01." + rand(UPPER_DIGITS, 24),
    ),
    ("newrelic-user-key", "NR" + "AK-" + rand(UPPER_DIGITS, 27), "NR" + "AK-" + rand(UPPER_DIGITS, 12)),
    ("newrelic-api-key", "NR" + "II-" + rand(URLSAFE, 32), "NR" + "II-" + rand(URLSAFE, 20)),
    ("newrelic-license-key", rand(HEX, 36, "nral") + "NR" + "AL", rand(HEX, 20, "nral") + "NR" + "AL"),
    ("pixie-api-key", "px-" + "api-" + a_uuid("px"), "px-" + "api-" + rand(HEX, 20)),
    (
        "salesforce-access-token",
        "00" + "D" + rand(A62, 12, "sf") + "!" + rand(A62 + "._", 96, "sf"),
        "00" + "D" + rand(A62, 12, "sf") + "!" + rand(A62 + "._", 60, "sf"),
    ),
    (
        "truenas-api-key",
        f'body = {{"method": "auth.login_with_api_key", "params": ["3-{rand(A62, 64, "tn")}"]}}',
        f'body = {{"method": "auth.login_with_api_key", "params": ["3-{rand(A62, 40, "tn")}"]}}',
    ),
    (
        "thingsboard-access-token",
        f"url = https://thingsboard" + f".cloud/api/v1/{rand(LOWER_DIGITS, 20, 'tb')}/telemetry",
        f"url = https://thingsboard" + f".cloud/api/v1/{rand(LOWER_DIGITS, 12, 'tb')}/telemetry",
    ),
    ("dependency-track-api-key", "od" + "t_" + rand(A62, 32, "dt"), "od" + "t_" + rand(A62, 20, "dt")),
    ("okta-api-token", f'okta_api_token = "00{rand(URLSAFE, 39)}Q"', f'okta_api_token = "00{rand(URLSAFE, 20)}"'),
    (
        "kubernetes-bootstrap-token",
        f"kubeadm join 10.1.2.3:6443 --token = {rand(LOWER_DIGITS, 6)}.{rand(LOWER_DIGITS, 16)}",
        f"kubeadm join 10.1.2.3:6443 --token = {rand(LOWER_DIGITS, 6)}.{rand(LOWER_DIGITS, 12)}",
    ),
    ("grafana-token", "gl" + "sa_" + rand(A62, 32) + "_" + rand(HEX, 8), "gl" + "sa_" + rand(A62, 12)),
    ("sentry-token", "sntry" + "u_" + rand(HEX, 64), "sntry" + "u_" + rand(HEX, 30)),
    ("datadog-api-key", f'DD_API_KEY = "{rand(HEX, 32)}"', f'DD_API_KEY = "{rand(HEX, 31)}"'),
    ("github-pat", github("ghp"), "gh" + "p_" + rand(A62, 30)),
    ("github-oauth", github("gho"), "gh" + "o_" + rand(A62, 30)),
    ("github-user-to-server", github("ghu"), "gh" + "u_" + rand(A62, 30)),
    ("github-server-to-server", github("ghs"), "gh" + "s_" + rand(A62, 30)),
    ("github-refresh-token", github("ghr"), "gh" + "r_" + rand(A62, 30)),
    (
        "github-fine-grained-pat",
        "github" + "_pat_" + rand(A62, 22) + "_" + rand(A62, 59),
        "github" + "_pat_" + rand(A62, 22) + "_" + rand(A62, 30),
    ),
    ("gitlab-pat", "gl" + "pat-" + rand(URLSAFE, 20), "gl" + "pat-" + rand(URLSAFE, 10)),
    ("gitlab-token", "gl" + "ptt-" + rand(HEX, 40), "gl" + "ptt-" + rand(HEX, 12)),
    ("bitbucket-app-password", "AT" + "BB" + rand(A62, 32), "AT" + "BB" + rand(A62, 12)),
    ("atlassian-api-token", "ATATT" + "3" + rand(URLSAFE, 186), "ATATT" + "3" + rand(URLSAFE, 60)),
    ("buildkite-token", "bku" + "a_" + rand(HEX, 40), "bku" + "a_" + rand(HEX, 20)),
    ("circleci-token", "CCI" + "PAT_" + rand(A62, 22) + "_" + rand(HEX, 40), "CCI" + "PAT_" + rand(A62, 22)),
    ("sourcegraph-token", "sg" + "p_" + rand(HEX, 40), "sg" + "p_" + rand(HEX, 20)),
    ("jenkins-token", f'JENKINS_API_TOKEN = "11{rand(HEX, 32, "jk")}"', f'JENKINS_API_TOKEN = "{rand(HEX, 20, "jk")}"'),
    ("sonarqube-token", "sq" + "u_" + rand(HEX, 40), "sq" + "u_" + rand(HEX, 20)),
    ("sonarqube-login", f"sonar.login = {rand(HEX, 40, 'sq')}", f"sonar.login = {rand(HEX, 30, 'sq')}"),
    (
        "codeclimate-reporter-id",
        f"CC_TEST_REPORTER_ID = {rand(HEX, 64, 'cc')}",
        f"CC_TEST_REPORTER_ID = {rand(HEX, 40, 'cc')}",
    ),
    ("slack-bot-token", "xox" + "b-" + digits(12) + "-" + digits(13) + "-" + rand(A62, 24), "xox" + "b-short"),
    (
        "slack-user-token",
        "xox" + "p-" + digits(12) + "-" + digits(12) + "-" + digits(12) + "-" + rand(HEX, 32),
        "xox" + "p-" + digits(12) + "-" + rand(HEX, 32),
    ),
    (
        "slack-app-token",
        "xap" + "p-1-A" + rand(UPPER_DIGITS, 10) + "-" + digits(13) + "-" + rand(HEX, 64),
        "xap" + "p-1-a",
    ),
    ("slack-legacy-token", "xox" + "s-2-" + rand(A62, 40), "xox" + "s-ab"),
    ("slack-rotating-token", "xox" + "e.xoxp-1-" + rand(A62, 60), "xox" + "e-1-" + rand(A62, 20)),
    ("base64-private-key", _der_b64(b"\x30\x82\x04\xa4\x02\x01\x00\x02\x82"), _der_b64(b"\x30\x82\x03\x10\x30\x82")),
    ("base64-private-key-pem", _pem_b64("PRIVATE"), _pem_b64("PUBLIC")),
    (
        "slack-webhook",
        "https://hooks.slack.com/services/T"
        + rand(UPPER_DIGITS, 8)
        + "/B"
        + rand(UPPER_DIGITS, 8)
        + "/"
        + rand(A62, 24),
        "https://hooks.slack.com/services/abc",
    ),
    (
        "discord-webhook",
        "https://discord.com/api/webhooks/" + digits(18) + "/" + rand(URLSAFE, 68),
        "https://discord.com/api/webhooks/" + digits(18) + "/short",
    ),
    (
        "discord-bot-token",
        f'DISCORD_TOKEN = "M{rand(A62, 23)}.{rand(URLSAFE, 6)}.{rand(URLSAFE, 27)}"',
        f'value = "M{rand(A62, 23)}.{rand(URLSAFE, 6)}.{rand(URLSAFE, 27)}"',
    ),
    ("telegram-bot-token", digits(10) + ":A" + "A" + rand(URLSAFE, 33), digits(10) + ":A" + "B" + rand(URLSAFE, 33)),
    (
        "twitch-stream-key",
        "li" + "ve_" + digits(9) + "_" + rand(A62, 30),
        "li" + "ve_" + digits(9) + "_" + rand(A62, 8),
    ),
    (
        "microsoft-teams-webhook",
        f"https://acme.webhook.office.com/webhookb2/{a_uuid('a')}@{a_uuid('b')}"
        f"/IncomingWebhook/{rand(HEX, 32)}/{a_uuid('c')}",
        "https://acme.webhook.office.com/webhookb2/short",
    ),
    (
        "microsoft-teams-webhook",
        f"https://outlook.office.com/webhook/{a_uuid('d')}@{a_uuid('e')}/IncomingWebhook/{rand(HEX, 32)}/{a_uuid('f')}",
        "https://outlook.office.com/webhook/short",
    ),
    (
        "blynk-client-secret",
        f"cmd = curl -X POST -u oa2-client-id_{rand(URLSAFE, 32, 'bc')}:{rand(URLSAFE, 40, 'bs')} https://b.example",
        f"cmd = curl -X POST -u oa2-client-id_{rand(URLSAFE, 32, 'bc')}:{rand(URLSAFE, 20, 'bs')} https://b.example",
    ),
    ("stripe-secret-key", "sk" + "_live_" + rand(A62, 24), "pk" + "_live_" + rand(A62, 24)),
    ("stripe-webhook-secret", "wh" + "sec_" + rand(A62, 32), "wh" + "sec_" + rand(A62, 12)),
    ("square-access-token", "sq0" + "atp-" + rand(URLSAFE, 22), "sq0" + "atp-" + rand(URLSAFE, 10)),
    ("square-oauth-secret", "sq0" + "csp-" + rand(URLSAFE, 43), "sq0" + "csp-" + rand(URLSAFE, 10)),
    (
        "braintree-access-token",
        "access_token$" + "production$" + rand(LOWER_DIGITS, 16) + "$" + rand(HEX, 32),
        "access_token$" + "production$short",
    ),
    ("shopify-token", "shp" + "at_" + rand(HEX, 32), "shp" + "at_" + rand(HEX, 16)),
    ("sendgrid-api-key", "S" + "G." + rand(URLSAFE, 22) + "." + rand(URLSAFE, 43), "S" + "G." + rand(URLSAFE, 22)),
    ("mailgun-api-key", "key" + "-" + rand(HEX, 32), "key" + "-" + rand(HEX, 16)),
    ("mailchimp-api-key", rand(HEX, 32) + "-us" + "12", rand(HEX, 20) + "-us" + "12"),
    ("postmark-server-token", f'POSTMARK_SERVER_TOKEN = "{a_uuid("p")}"', 'POSTMARK_SERVER_TOKEN = "abc"'),
    ("brevo-api-key", "xkey" + "sib-" + rand(HEX, 64) + "-" + rand(A62, 16), "xkey" + "sib-" + rand(HEX, 20)),
    ("npm-token", github("npm"), "np" + "m_" + rand(A62, 30)),
    ("pypi-token", "py" + "pi-AgEIcHlwaS5vcmc" + rand(URLSAFE, 70), "py" + "pi-AgEIcHlwaS5vcmc" + rand(URLSAFE, 10)),
    ("dockerhub-token", "dckr" + "_pat_" + rand(URLSAFE, 27), "dckr" + "_pat_" + rand(URLSAFE, 10)),
    ("rubygems-token", "rubygems" + "_" + rand(HEX, 48), "rubygems" + "_" + rand(HEX, 20)),
    ("nuget-api-key", "oy" + "2" + rand(LOWER_DIGITS, 43), "oy" + "2" + rand(LOWER_DIGITS, 20)),
    ("clojars-token", "CLOJARS" + "_" + rand(LOWER_DIGITS, 60), "CLOJARS" + "_" + rand(LOWER_DIGITS, 20)),
    ("artifactory-api-key", "AK" + "Cp" + rand(A62, 69), "AK" + "Cp" + rand(A62, 20)),
    ("anthropic-api-key", "sk-" + "ant-api03-" + rand(URLSAFE, 93) + "AA", "sk-" + "ant-api03-" + rand(URLSAFE, 20)),
    (
        "openai-api-key",
        "sk-" + "proj-" + rand(A62, 74) + "T3Blbk" + "FJ" + rand(A62, 74),
        "sk-" + rand(A62, 20) + "T3Blbk" + "XX" + rand(A62, 20),
    ),
    ("huggingface-token", "hf" + "_" + rand(string.ascii_letters, 34), "hf" + "_" + rand(string.ascii_letters, 20)),
    ("groq-api-key", "gs" + "k_" + rand(A62, 52), "gs" + "k_" + rand(A62, 20)),
    ("replicate-token", "r8" + "_" + rand(A62, 37), "r8" + "_" + rand(A62, 20)),
    ("perplexity-api-key", "pplx" + "-" + rand(A62, 48), "pplx" + "-" + rand(A62, 20)),
    ("xai-api-key", "xa" + "i-" + rand(A62, 80), "xa" + "i-" + rand(A62, 20)),
    ("langsmith-api-key", "lsv2" + "_pt_" + rand(HEX, 32) + "_" + rand(HEX, 10), "lsv2" + "_pt_" + rand(HEX, 20)),
    ("tavily-api-key", "tv" + "ly-" + rand(A62, 32, "tv"), "tv" + "ly-" + rand(A62, 20, "tv")),
    ("jina-api-key", "ji" + "na_" + rand(A62, 60, "ji"), "ji" + "na_" + rand(A62, 30, "ji")),
    ("databricks-token", "da" + "pi" + rand(HEX, 32), "da" + "pi" + rand(HEX, 20)),
    ("linear-api-key", "lin" + "_api_" + rand(A62, 40), "lin" + "_api_" + rand(A62, 20)),
    ("notion-token", "nt" + "n_" + digits(11) + rand(A62, 35), "nt" + "n_" + rand(A62, 20)),
    ("twilio-api-key", "S" + "K" + rand(HEX, 32), "S" + "K" + rand(HEX, 20)),
    ("twilio-auth-token", f"twilio_auth_token = {rand(HEX, 32)}", f"twilio_auth_token = {rand(HEX, 20)}"),
    (
        "nats-nkey-seed",
        "S" + "U" + rand(string.ascii_uppercase + "234567", 56),
        "S" + "U" + rand(string.ascii_uppercase + "234567", 40),
    ),
    ("postman-api-key", "PM" + "AK-" + rand(HEX, 24) + "-" + rand(HEX, 34), "PM" + "AK-" + rand(HEX, 24)),
    ("figma-token", "fig" + "d_" + rand(URLSAFE, 40), "fig" + "d_" + rand(URLSAFE, 10)),
    ("airtable-pat", "pat" + rand(A62, 14) + "." + rand(HEX, 64), "pat" + rand(A62, 14) + "." + rand(HEX, 20)),
    ("prefect-api-key", "pn" + "u_" + rand(A62, 36), "pn" + "u_" + rand(A62, 20)),
    ("readme-api-key", "rd" + "me_" + rand(LOWER_DIGITS, 70), "rd" + "me_" + rand(LOWER_DIGITS, 20)),
    ("onepassword-service-token", "ops" + "_eyJ" + rand(B64, 260), "ops" + "_eyJ" + rand(B64, 40)),
    ("facebook-access-token", "EA" + "AC" + rand(A62, 120), "EA" + "AC" + rand(A62, 40)),
    ("twitter-bearer-token", "A" * 22 + rand(A62, 90), "A" * 22 + rand(A62, 20)),
    (
        "mapbox-secret-token",
        "sk" + ".eyJ" + rand(URLSAFE, 60) + "." + rand(URLSAFE, 22),
        "pk" + ".eyJ" + rand(URLSAFE, 60),
    ),
    (
        "firebase-cloud-messaging-key",
        "AAAA" + rand(URLSAFE, 7) + ":APA91" + "b" + rand(URLSAFE, 134),
        "AAAA" + rand(URLSAFE, 7) + ":APA91" + "b" + rand(URLSAFE, 40),
    ),
    ("infracost-api-key", "ic" + "o-" + rand(A62, 32), "ic" + "o-" + rand(A62, 16)),
    ("adafruit-io-key", "ai" + "o_" + rand(A62, 28, "aio"), "ai" + "o_" + rand(A62, 20, "aio")),
    (
        "facebook-app-secret",
        f'FACEBOOK_APP_SECRET = "{rand(HEX, 32, "fb")}"',
        f'FACEBOOK_APP_SECRET = "{rand(HEX, 31, "fb")}"',
    ),
    ("easypost-api-key", "EZ" + "AK" + rand(A62, 54), "EZ" + "AK" + rand(A62, 20)),
    ("duffel-token", "duffel" + "_live_" + rand(URLSAFE, 43), "duffel" + "_live_" + rand(URLSAFE, 20)),
    ("scalingo-token", "tk-" + "us-" + rand(URLSAFE, 48), "tk-" + "us-" + rand(URLSAFE, 20)),
    (
        "password-hash",
        "$" + "9$" + rand(CRYPT, 14) + "$" + rand(CRYPT, 43),  # a Cisco type 9 (scrypt) secret
        "$" + "9$" + rand(CRYPT, 14) + "$" + "x" * 43,  # filler, not a hash's output
    ),
    (
        "password-hash",
        "$krb5" + "asrep$23$svc-backup@CORP.EXAMPLE:" + rand(HEX, 32) + "$" + rand(HEX, 180),
        "$krb5" + "asrep$23$svc-backup@CORP.EXAMPLE:" + rand(HEX, 32),
    ),
    (
        "psexec-password",
        f"run = PsExec.exe \\\\build07 -u CORP\\deploy -p {rand(A62, 12, 'psexec')} cmd /c dir",
        "run = PsExec.exe \\\\build07 -u CORP\\deploy -p %DEPLOY_PASSWORD% cmd /c dir",
    ),
    (
        "ldap-bind-password",
        f'var entry = new DirectoryEntry("LDAP://dc01.corp.example", "CORP\\svc-sync", "{rand(A62, 14, "ldap")}");',
        'var entry = new DirectoryEntry("LDAP://dc01.corp.example");',
    ),
    # Gradle's block spans lines; " = " only marks the case as a whole text.
    (
        "gradle-credentials-password",
        f"repo = 1\ncredentials {{\n    username 'deployer'\n    password '{rand(A62, 14, 'gradle')}'\n}}",
        "repo = 1\ncredentials {\n    username 'deployer'\n    password project.findProperty('repoPassword')\n}",
    ),
    (
        "password-in-prose",
        f"note = Log in as admin; the password is '{rand(A62, 12, 'prose')}'.",
        "note = Log in as admin; the password is required.",
    ),
    ("age-secret-key", make_age_secret_key(random.Random("age").randbytes(32)), "AGE-SECRET-" + "KEY-1" + "Q" * 20),
    ("jwt", jwt(), "ey" + "J" + rand(A62, 20) + ".ey" + "J" + rand(A62, 20) + "." + rand(A62, 20)),
]


def _line(token_or_line: str) -> str:
    return token_or_line if " = " in token_or_line else f'value = "{token_or_line}"'


def _found(text: str) -> dict[str, str]:
    return {c.rule: c.secret for c in find_candidates(ScanUnit("settings.txt", text + "\n"))}


@pytest.mark.parametrize(("rule", "positive", "negative"), CASES, ids=[c[0] for c in CASES])
def test_rule_finds_its_format_and_not_a_near_miss(rule: str, positive: str, negative: str) -> None:
    found = _found(_line(positive))
    assert rule in found, found
    if " = " not in positive and "=" not in positive:
        assert found[rule] == positive
    assert rule not in _found(_line(negative))


def test_every_token_rule_has_a_case() -> None:
    assert {rule.id for rule in TOKEN_RULES} == {case[0] for case in CASES}


def test_rule_ids_are_unique_and_lowercase() -> None:
    assert len(set(RULE_IDS)) == len(RULE_IDS)
    assert all(rule_id == rule_id.lower() and " " not in rule_id for rule_id in RULE_IDS)


def test_checksum_valid_tokens_are_certain_and_others_are_not() -> None:
    valid = github("ghp")
    (candidate,) = find_candidates(ScanUnit("ci.sh", f"export GH_TOKEN={valid}\n"))
    assert candidate.certainty is Certainty.CERTAIN and candidate.prior == 1.0

    forged = valid[:-1] + ("A" if valid[-1] != "A" else "B")
    (candidate,) = find_candidates(ScanUnit("ci.sh", f"export GH_TOKEN={forged}\n"))
    assert candidate.rule == "github-pat"
    assert candidate.certainty is Certainty.POSSIBLE and candidate.prior < 0.5


@pytest.mark.parametrize(
    ("rule", "random_body", "filler"),
    [
        (
            "slack-webhook",
            f"https://hooks.slack.com/services/T{rand(UPPER_DIGITS, 8)}/B{rand(UPPER_DIGITS, 10)}/{rand(A62, 24)}",
            "https://hooks.slack.com/services/T00000000/B00000000/" + "X" * 24,
        ),
        ("sonarqube-token", "sq" + "u_" + rand(HEX, 40, "certain"), "sq" + "u_" + "0" * 40),
        ("newrelic-api-key", "NR" + "AA-" + rand(HEX, 27, "certain"), "NR" + "AA-" + "a" * 27),
        ("newrelic-license-key", rand(HEX, 36, "certain") + "NR" + "AL", "a" * 36 + "NR" + "AL"),
        ("pixie-api-key", "px-" + "api-" + a_uuid("certain"), "px-" + "api-00000000-0000-0000-0000-000000000000"),
        ("adafruit-io-key", "ai" + "o_" + rand(A62, 28, "certain"), "ai" + "o_" + "x" * 28),
        ("tavily-api-key", "tv" + "ly-" + rand(A62, 32, "certain"), "tv" + "ly-" + "0" * 32),
        ("dependency-track-api-key", "od" + "t_" + rand(A62, 32, "certain"), "od" + "t_" + "x" * 32),
        (
            "twitch-stream-key",
            "li" + "ve_" + digits(9) + "_" + rand(A62, 30, "certain"),
            "li" + "ve_" + digits(9) + "_" + "x" * 30,
        ),
    ],
)
def test_unambiguous_formats_are_certain_unless_their_random_part_is_filler(
    rule: str, random_body: str, filler: str
) -> None:
    (found,) = find_candidates(ScanUnit("settings.txt", f'value = "{random_body}"\n'))
    assert (found.rule, found.certainty, found.prior) == (rule, Certainty.CERTAIN, 1.0)
    (found,) = find_candidates(ScanUnit("settings.txt", f'value = "{filler}"\n'))
    assert (found.rule, found.certainty) == (rule, Certainty.POSSIBLE)


def test_token_inside_a_longer_word_is_not_a_token() -> None:
    assert "github-pat" not in _found(f'value = "x{github("ghp")}"')
    assert "github-pat" not in _found(f'value = "{github("ghp")}x"')


def test_jwt_with_a_header_that_is_not_json_is_ignored() -> None:
    fake = "ey" + "J" + rand(A62, 30) + "." + "ey" + "J" + rand(A62, 30) + "." + rand(A62, 30)
    assert "jwt" not in _found(f'value = "{fake}"')
