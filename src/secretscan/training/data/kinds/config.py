"""Configuration kinds: YAML (Kubernetes, CI, Compose, app config), JSON, .env, ini, properties, XML, Terraform."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

from secretscan.training.data.kinds.base import Kind, Out, Rendered, Slot, json_string, path_for, xml_escape
from secretscan.training.data.rand import (
    b64_of_text,
    pick,
    snake_to_camel,
    snake_to_dotted,
    snake_to_kebab,
)
from secretscan.training.data.values import Value

# ---- YAML -------------------------------------------------------------------------------------------------


def _yaml_scalar(rng: random.Random, text: str) -> str:
    """A YAML scalar for `text`: plain when safe, else quoted (values with `: ` or a leading symbol need it)."""
    risky = (
        not text
        or text[0] in "!&*-?:,[]{}#|>@`%\"'"
        or ": " in text
        or " #" in text
        or text.lower() in ("true", "false", "null", "yes", "no", "~")
    )
    if risky or text.isdigit() or rng.random() < 0.4:
        return f'"{text}"'
    return text


def _yaml_ref(rng: random.Random, env_name: str, flavour: str) -> str:
    low = env_name.lower()
    if flavour == "ci":
        return pick(rng, ("${{{{ secrets.{N} }}}}", "$CI_{N}", "${{{{ vars.{N} }}}}", "((vault:{n}))")).format(
            N=env_name, n=low
        )
    if flavour == "compose":
        return pick(rng, ("${{{N}}}", "${{{N}:?err}}", "${{{N}:-}}", "$${N}")).format(N=env_name)
    return pick(
        rng, ('"{{{{ .Values.{c} }}}}"', "${{{N}}}", '"{{{{ vault_{n} }}}}"', "${{env:{N}}}", "${{ssm:/prod/{n}}}")
    ).format(N=env_name, n=low, c=snake_to_camel(env_name))


def _yaml_slot(out: Out, rng: random.Random, slot: Slot, indent: str, key: str, flavour: str) -> None:
    value = slot.value
    if value.reference:
        ref = _yaml_ref(rng, value.reference, flavour)
        out.plant(f"{indent}{key}: {ref}", value, ref.strip('"'))
    else:
        out.plant(f"{indent}{key}: {_yaml_scalar(rng, value.text)}", value, value.text)


def render_yaml_k8s(rng: random.Random, slots: Sequence[Slot]) -> Rendered:
    out = Out()
    app = pick(rng, ("api", "worker", "billing", "gateway", "reports", "auth"))
    path = path_for(
        rng,
        ("k8s/", "deploy/k8s/", "manifests/", "charts/app/templates/", "infra/k8s/base/"),
        (f"{app}-secret", f"{app}-deployment", "secrets", "configmap"),
        ".yaml",
    )
    if rng.random() < 0.5:  # a Secret with stringData, or base64 data
        encoded = rng.random() < 0.4
        out.add(
            "apiVersion: v1",
            "kind: Secret",
            "metadata:",
            f"  name: {app}-credentials",
            f"  namespace: {pick(rng, ('default', 'prod', 'staging'))}",
            "type: Opaque",
        )
        out.add("data:" if encoded else "stringData:")
        for slot in slots:
            key = pick(rng, (slot.name, slot.name.lower(), snake_to_kebab(slot.name)))
            value = slot.value
            if encoded and value.label:
                # Base64 in `data:` is only an encoding: the secret is still there (policy). Negatives stay as
                # written (a placeholder in `data:` is common); nobody can read a placeholder through base64.
                text = b64_of_text(value.text)
                out.plant(f"  {key}: {text}", Value(text, value.label, value.category, value.detail + "+base64"), text)
            else:
                _yaml_slot(out, rng, slot, "  ", key, "k8s")
    else:  # a Deployment with env entries
        out.add(
            "apiVersion: apps/v1",
            "kind: Deployment",
            "metadata:",
            f"  name: {app}",
            "spec:",
            "  replicas: 2",
            "  template:",
            "    spec:",
            "      containers:",
            f"        - name: {app}",
            f"          image: registry.example-corp.net/{app}:{rng.randrange(1, 40)}.{rng.randrange(10)}",
            "          env:",
        )
        for slot in slots:
            out.add(f"            - name: {slot.name}")
            value = slot.value
            if value.reference:
                out.add(
                    "              valueFrom:",
                    "                secretKeyRef:",
                    f"                  name: {app}-credentials",
                )
                out.plant(
                    f"                  key: {snake_to_kebab(value.reference)}", value, snake_to_kebab(value.reference)
                )
            else:
                out.plant(f"              value: {_yaml_scalar(rng, value.text)}", value, value.text)
            if rng.random() < 0.4:
                out.add("            - name: LOG_LEVEL", f"              value: {pick(rng, ('info', 'debug', 'warn'))}")
    return out.rendered(path)


def render_yaml_ci(rng: random.Random, slots: Sequence[Slot]) -> Rendered:
    out = Out()
    github = rng.random() < 0.6
    if github:
        path = f".github/workflows/{pick(rng, ('ci', 'deploy', 'release', 'nightly', 'publish'))}.yml"
        out.add(
            f"name: {pick(rng, ('CI', 'Deploy', 'Release'))}",
            "on:",
            "  push:",
            "    branches: [main]",
            "jobs:",
            "  build:",
            "    runs-on: ubuntu-latest",
            "    env:",
        )
        for slot in slots:
            _yaml_slot(out, rng, slot, "      ", slot.name, "ci")
        out.add("    steps:", "      - uses: actions/checkout@v4", "      - run: make test")
    else:
        path = pick(rng, (".gitlab-ci.yml", ".circleci/config.yml", "bitbucket-pipelines.yml", ".drone.yml"))
        out.add("stages:", "  - test", "  - deploy", "", "variables:")
        for slot in slots:
            _yaml_slot(out, rng, slot, "  ", slot.name, "ci")
        out.add("", "deploy:", "  stage: deploy", "  script:", "    - ./scripts/deploy.sh")
    return out.rendered(path)


def render_yaml_compose(rng: random.Random, slots: Sequence[Slot]) -> Rendered:
    out = Out()
    path = f"{pick(rng, ('', 'docker/', 'deploy/', 'dev/'))}{pick(rng, ('docker-compose.yml', 'docker-compose.yaml', 'compose.yaml', 'docker-compose.override.yml', 'docker-compose.prod.yml'))}"
    service = pick(rng, ("db", "app", "api", "postgres", "redis", "worker", "mysql", "rabbitmq"))
    out.add(
        "services:",
        f"  {service}:",
        f"    image: {pick(rng, ('postgres:16', 'redis:7-alpine', 'mysql:8.4', 'rabbitmq:3-management', 'ghcr.io/acme/api:latest'))}",
        "    environment:",
    )
    list_style = rng.random() < 0.4
    for slot in slots:
        value = slot.value
        if list_style:
            text = _yaml_ref(rng, value.reference, "compose") if value.reference else value.text
            out.plant(f"      - {slot.name}={text}", value, text)
        else:
            _yaml_slot(out, rng, slot, "      ", slot.name, "compose")
    out.add(
        "    ports:", f'      - "{pick(rng, ("5432:5432", "8080:8080", "6379:6379"))}"', "    restart: unless-stopped"
    )
    return out.rendered(path)


def render_yaml_app(rng: random.Random, slots: Sequence[Slot]) -> Rendered:
    """Application config: Spring application.yml, Helm values, Ansible vars, serverless."""
    out = Out()
    path = path_for(
        rng,
        ("", "config/", "src/main/resources/", "charts/app/", "group_vars/", "ansible/vars/"),
        ("application", "values", "config", "settings", "main", "prod", "application-prod"),
        pick(rng, (".yml", ".yaml")),
    )
    section = pick(rng, ("database", "auth", "integrations", "mail", "app", "payments"))
    out.add(
        f"{section}:",
        f"  host: {pick(rng, ('db.internal', 'localhost', 'smtp.example-corp.net'))}",
        f"  port: {pick(rng, (5432, 587, 443, 6379))}",
    )
    styles: tuple[Callable[[str], str], ...] = (snake_to_camel, str.lower, snake_to_kebab)
    style = pick(rng, styles)
    for slot in slots:
        _yaml_slot(out, rng, slot, "  ", style(slot.name), "app")
        if rng.random() < 0.3:
            out.add(f"  timeout: {rng.randrange(5, 60)}s")
    return out.rendered(path)


# ---- JSON -------------------------------------------------------------------------------------------------


def _json_ref(rng: random.Random, env_name: str) -> str:
    return pick(rng, ("${{{N}}}", "{{{{{N}}}}}", "$env:{N}", "env:{N}", "#{{{N}}}#")).format(N=env_name)


def render_json(rng: random.Random, slots: Sequence[Slot]) -> Rendered:
    out = Out()
    path = path_for(
        rng,
        ("", "config/", "src/config/", ".vscode/", "locales/", "fixtures/"),
        (
            "config",
            "appsettings",
            "appsettings.Production",
            "credentials",
            "settings",
            "default",
            "service-account",
            "en",
        ),
        ".json",
    )
    styles: tuple[Callable[[str], str], ...] = (snake_to_camel, str.lower, str)
    style = pick(rng, styles)
    section = pick(rng, ("database", "auth", "api", "ConnectionStrings", "stripe", "smtp"))
    out.add("{", f'  "name": "{pick(rng, ("orders-api", "web", "worker"))}",', f'  "{section}": {{')
    for i, slot in enumerate(slots):
        value = slot.value
        text = _json_ref(rng, value.reference) if value.reference else value.text
        comma = "," if i < len(slots) - 1 else ""
        out.plant(f'    "{style(slot.name)}": {json_string(text)}{comma}', value, text)
    out.add("  },", f'  "logLevel": "{pick(rng, ("info", "warn", "debug"))}"', "}")
    return out.rendered(path)


# ---- .env, ini, properties --------------------------------------------------------------------------------


def render_env(rng: random.Random, slots: Sequence[Slot]) -> Rendered:
    out = Out()
    path = f"{pick(rng, ('', 'api/', 'backend/', 'docker/'))}{pick(rng, ('.env', '.env', '.env.local', '.env.production', '.env.example', '.env.development', '.env.staging'))}"
    out.add(
        f"# {pick(rng, ('Local development settings', 'Production', 'Copy to .env and fill in', 'Staging'))}",
        f"NODE_ENV={pick(rng, ('production', 'development'))}",
        f"PORT={pick(rng, (3000, 8000, 8080))}",
    )
    for slot in slots:
        value = slot.value
        if value.reference:
            text = pick(rng, ("${{{N}}}", "$VAULT_{N}", "op://prod/{n}/credential", "${{{N}_FILE}}")).format(
                N=value.reference, n=value.reference.lower()
            )
        else:
            text = value.text
        quote = pick(rng, ("", "", '"', "'")) if " " not in text else '"'
        out.plant(f"{slot.name}={quote}{text}{quote}", value, text)
        if rng.random() < 0.3:
            out.add(
                f"{pick(rng, ('LOG_LEVEL=info', 'DB_HOST=localhost', 'REDIS_HOST=redis', 'APP_URL=http://localhost:3000', 'MAIL_PORT=587'))}"
            )
    return out.rendered(path)


def render_ini(rng: random.Random, slots: Sequence[Slot]) -> Rendered:
    out = Out()
    path = path_for(
        rng,
        ("", "config/", "etc/", "deploy/"),
        ("app", "settings", "alembic", "odbc", "pip", "setup", "database", "config", "tox"),
        pick(rng, (".ini", ".cfg", ".conf")),
    )
    out.add(
        f"[{pick(rng, ('database', 'default', 'app:main', 'server', 'smtp', 'credentials'))}]",
        f"host = {pick(rng, ('db.internal', 'localhost', '10.0.0.12'))}",
    )
    for slot in slots:
        value = slot.value
        if value.reference:
            text = pick(rng, ("%({n})s", "${{{N}}}", "${{ENV:{N}}}", "%(ENV_{N})s")).format(
                N=value.reference, n=value.reference.lower()
            )
        else:
            text = value.text
        out.plant(f"{slot.name.lower()}{pick(rng, (' = ', '=', ': '))}{text}", value, text)
    out.add(f"timeout = {rng.randrange(5, 120)}")
    return out.rendered(path)


def render_properties(rng: random.Random, slots: Sequence[Slot]) -> Rendered:
    out = Out()
    path = path_for(
        rng,
        ("src/main/resources/", "config/", ""),
        ("application", "application-prod", "gradle", "messages", "database", "kafka"),
        ".properties",
    )
    prefix = pick(rng, ("spring.datasource.", "app.", "mail.smtp.", "kafka.", "", "integration."))
    out.add(
        f"# {pick(rng, ('Application properties', 'Production overrides', 'Datasource'))}",
        f"{prefix}url={pick(rng, ('jdbc:postgresql://db:5432/app', 'smtp.example-corp.net', 'kafka:9092'))}",
    )
    for slot in slots:
        value = slot.value
        text = "${" + snake_to_dotted(value.reference) + "}" if value.reference else value.text
        if value.reference and rng.random() < 0.4:
            text = "${" + value.reference + ":}"
        out.plant(f"{prefix}{snake_to_dotted(slot.name)}{pick(rng, ('=', ' = ', ': '))}{text}", value, text)
    return out.rendered(path)


# ---- XML --------------------------------------------------------------------------------------------------


def render_xml(rng: random.Random, slots: Sequence[Slot]) -> Rendered:
    out = Out()
    layout = rng.randrange(3)
    if layout == 0:  # .NET app.config / web.config
        path = path_for(rng, ("", "src/Web/", "App/"), ("web", "app", "Web.Release"), ".config")
        out.add('<?xml version="1.0" encoding="utf-8"?>', "<configuration>", "  <appSettings>")
        for slot in slots:
            value = slot.value
            text = f"$({value.reference})" if value.reference else xml_escape(value.text)
            out.plant(f'    <add key="{slot.name}" value="{text}" />', value, text)
        out.add("  </appSettings>", "</configuration>")
    elif layout == 1:  # Maven settings.xml
        path = pick(rng, ("settings.xml", ".mvn/settings.xml", "ci/settings.xml", "pom.xml"))
        out.add(
            "<settings>",
            "  <servers>",
            "    <server>",
            f"      <id>{pick(rng, ('nexus', 'releases', 'github'))}</id>",
            f"      <username>{pick(rng, ('deploy', 'ci-bot'))}</username>",
        )
        for slot in slots:
            value = slot.value
            text = "${env." + value.reference + "}" if value.reference else xml_escape(value.text)
            # Maven calls the credential element <password>; only a password slot may use that name.
            tag = "password" if slot.role == "password" and rng.random() < 0.5 else snake_to_camel(slot.name)
            out.plant(f"      <{tag}>{text}</{tag}>", value, text)
        out.add("    </server>", "  </servers>", "</settings>")
    else:  # generic app XML
        path = path_for(
            rng, ("", "conf/", "src/main/resources/"), ("context", "beans", "hibernate.cfg", "server", "config"), ".xml"
        )
        out.add(
            '<?xml version="1.0"?>',
            "<beans>",
            f'  <bean id="{pick(rng, ("dataSource", "mailSender", "apiClient"))}" class="com.example.Client">',
        )
        for slot in slots:
            value = slot.value
            text = "${" + snake_to_dotted(value.reference) + "}" if value.reference else xml_escape(value.text)
            out.plant(f'    <property name="{snake_to_camel(slot.name)}" value="{text}"/>', value, text)
        out.add("  </bean>", "</beans>")
    return out.rendered(path)


# ---- Terraform --------------------------------------------------------------------------------------------


def render_terraform(rng: random.Random, slots: Sequence[Slot]) -> Rendered:
    out = Out()
    path = path_for(
        rng,
        ("", "infra/", "terraform/", "infra/envs/prod/", "modules/db/"),
        ("main", "variables", "providers", "rds", "terraform", "secrets"),
        pick(rng, (".tf", ".tf", ".tfvars")),
    )
    if path.endswith(".tfvars"):
        for slot in slots:
            value = slot.value
            text = value.text if not value.reference else f"{value.reference.lower()}_from_ci"
            if value.reference:
                # A tfvars file has no expressions; a lookup lives in the .tf file instead.
                out.plant(
                    f"# {slot.name.lower()} is read from var.{value.reference.lower()}",
                    value,
                    f"var.{value.reference.lower()}",
                )
            else:
                out.plant(f'{slot.name.lower()} = "{text}"', value, text)
        return out.rendered(path)
    resource = pick(
        rng,
        (
            ('resource "aws_db_instance" "main" {', '  engine         = "postgres"'),
            ('provider "datadog" {', '  api_url = "https://api.datadoghq.eu/"'),
            ('resource "kubernetes_secret" "app" {', '  type = "Opaque"'),
            ('module "app" {', '  source = "./modules/app"'),
        ),
    )
    out.add(*resource)
    for slot in slots:
        value = slot.value
        if value.reference:
            expr = pick(
                rng,
                (
                    "var.{n}",
                    "data.aws_secretsmanager_secret_version.{n}.secret_string",
                    "random_password.{n}.result",
                    '"${{var.{n}}}"',
                    'data.vault_generic_secret.app.data["{n}"]',
                ),
            ).format(n=value.reference.lower())
            out.plant(f"  {slot.name.lower()} = {expr}", value, expr.strip('"'))
        else:
            out.plant(f'  {slot.name.lower()} = "{value.text}"', value, value.text)
    out.add("}")
    return out.rendered(path)


KINDS = (
    Kind("yaml-k8s", render_yaml_k8s, ("id", "public", "benign")),
    Kind("yaml-ci", render_yaml_ci, ("id", "benign")),
    Kind("yaml-compose", render_yaml_compose, ("id", "benign")),
    Kind("yaml-app", render_yaml_app, ("id", "public", "i18n", "benign")),
    Kind("json", render_json, ("id", "public", "blob", "i18n", "benign")),
    Kind("env", render_env, ("id", "public", "benign")),
    Kind("ini", render_ini, ("id", "benign")),
    Kind("properties", render_properties, ("id", "i18n", "benign")),
    Kind("xml", render_xml, ("id", "public", "benign")),
    Kind("terraform", render_terraform, ("id", "public", "benign")),
)
