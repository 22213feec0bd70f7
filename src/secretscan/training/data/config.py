"""The data-build config: YAML files in configs/data/, mirrored by frozen dataclasses checked in __post_init__."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from secretscan.errors import ConfigError
from secretscan.training.data.kinds import KINDS
from secretscan.training.data.kinds.base import ROLES

# Negative categories a secret slot (password, token…) can be filled with instead of a secret.
# (Not hashes or UUIDs: a UUID assigned to a password is that password.)
SLOT_NEGATIVES = (
    "placeholder",
    "reference",
    "example-key",
    "fake-fixture",
    "key-as-value",
    "instruction",
    "literal-reference",
)


def _check_weights(name: str, weights: dict[str, float], known: tuple[str, ...]) -> None:
    unknown = sorted(set(weights) - set(known))
    if unknown:
        raise ConfigError(f"{name}: unknown key(s) {', '.join(unknown)}; known: {', '.join(known)}")
    if any(not isinstance(w, (int, float)) or isinstance(w, bool) or w < 0 for w in weights.values()):
        raise ConfigError(f"{name}: weights must be non-negative numbers")
    if not any(w > 0 for w in weights.values()):
        raise ConfigError(f"{name}: at least one weight must be positive")


def _share(name: str, value: float) -> None:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0.0 <= value <= 1.0:
        raise ConfigError(f"{name} must be a number between 0 and 1, not {value!r}")


@dataclass(frozen=True)
class GeneratorConfig:
    """How synthetic files are planned: which kinds, how many values per file, which mix of values."""

    kinds: dict[str, float] = field(default_factory=lambda: {name: kind.weight for name, kind in KINDS.items()})
    min_slots: int = 1
    max_slots: int = 4
    roles: dict[str, float] = field(
        default_factory=lambda: {
            "password": 0.2,
            "token": 0.22,
            "key": 0.09,
            "conn": 0.09,
            "header": 0.06,
            "pem": 0.03,
            "id": 0.15,
            "public": 0.06,
            "blob": 0.03,
            "i18n": 0.03,
            "minified": 0.01,
            "benign": 0.05,
        }
    )
    # P(a secret slot holds a secret); the rest get a negative from `negatives`. Most look-alikes are dropped by
    # the scanner's filters, so far more are planted than secrets to end up balanced.
    positive_rate: float = 0.2
    negatives: dict[str, float] = field(
        default_factory=lambda: {
            "placeholder": 0.2,
            "reference": 0.2,
            "example-key": 0.08,
            "fake-fixture": 0.1,
            "key-as-value": 0.1,
            "instruction": 0.12,
            "literal-reference": 0.14,
        }
    )
    # P(a file gets a near-miss twin: the same file with every secret slot flipped secret <-> look-alike).
    near_miss_rate: float = 0.35

    def __post_init__(self) -> None:
        _check_weights("generator.kinds", self.kinds, tuple(KINDS))
        _check_weights("generator.roles", self.roles, ROLES)
        _check_weights("generator.negatives", self.negatives, SLOT_NEGATIVES)
        if not (
            isinstance(self.min_slots, int)
            and isinstance(self.max_slots, int)
            and 1 <= self.min_slots <= self.max_slots <= 12
        ):
            raise ConfigError("generator: need 1 <= min_slots <= max_slots <= 12")
        _share("generator.positive_rate", self.positive_rate)
        _share("generator.near_miss_rate", self.near_miss_rate)


@dataclass(frozen=True)
class DedupConfig:
    # MinHash Jaccard similarity (character 5-grams of the prompt) at or above which two examples are duplicates.
    near_threshold: float = 0.9
    num_perm: int = 64

    def __post_init__(self) -> None:
        if not 0.5 <= self.near_threshold <= 1.0:
            raise ConfigError(f"dedup.near_threshold must be between 0.5 and 1, not {self.near_threshold}")
        if not isinstance(self.num_perm, int) or not 16 <= self.num_perm <= 512:
            raise ConfigError("dedup.num_perm must be an integer between 16 and 512")


@dataclass(frozen=True)
class SplitConfig:
    train: float = 0.8
    val: float = 0.1
    test: float = 0.1

    def __post_init__(self) -> None:
        for name in ("train", "val", "test"):
            _share(f"splits.{name}", getattr(self, name))
        if abs(self.train + self.val + self.test - 1.0) > 1e-6:
            raise ConfigError("splits must add up to 1")
        if self.train <= 0:
            raise ConfigError("splits.train must be positive")


@dataclass(frozen=True)
class HarvestConfig:
    """Weak negatives from a local source tree (e.g. site-packages): real code the candidate stage fires on."""

    roots: tuple[str, ...] = ()
    max_examples: int = 1000
    max_files: int = 20000
    # A few per file, so one file full of hashes (an SBOM, a lockfile) can't fill the harvest.
    max_per_file: int = 3
    # Only these rules' candidates are harvested: token formats are secrets by their format, and the password
    # rules find the weak literals (`password='password1'` in a docstring) that the policy counts as secrets.
    rules: tuple[str, ...] = ("high-entropy-string", "generic-secret")
    # Only files with these suffixes are read.
    suffixes: tuple[str, ...] = (".py", ".js", ".json", ".yaml", ".yml", ".cfg", ".ini", ".toml", ".md", ".txt")

    def __post_init__(self) -> None:
        if self.max_examples < 0 or self.max_files <= 0 or self.max_per_file <= 0:
            raise ConfigError("harvest: max_examples must be >= 0, max_files and max_per_file > 0")


@dataclass(frozen=True)
class RealConfig:
    """Candidates from labelled corpora of real code (`secretscan eval`'s format), mixed with the generator's."""

    corpora: tuple[str, ...] = ()
    # Share of `examples` taken from the corpora (all of them if they hold fewer); the generator fills the rest.
    share: float = 0.5
    # Candidates on lines nobody labelled are probable negatives, not truth: keep this share of them.
    unlabelled_keep: float = 0.3
    # Labelled corpora we report on: an example whose line also occurs in one of them is dropped.
    dedupe_against: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _share("real.share", self.share)
        _share("real.unlabelled_keep", self.unlabelled_keep)
        if not self.corpora:
            raise ConfigError("real.corpora must name at least one corpus folder")


@dataclass(frozen=True)
class AuditsConfig:
    """Examples from `secretscan-train data import-audit`: a team's own verdicts, added to the train split."""

    files: tuple[str, ...] = ()
    # Each audit row goes in this many times: a few dozen marks would be lost among thousands of rows.
    repeat: int = 1

    def __post_init__(self) -> None:
        if not self.files:
            raise ConfigError("audits.files must name at least one JSONL file from `data import-audit`")
        if not isinstance(self.repeat, int) or isinstance(self.repeat, bool) or not 1 <= self.repeat <= 100:
            raise ConfigError(f"audits.repeat must be an integer from 1 to 100, not {self.repeat!r}")


@dataclass(frozen=True)
class DataConfig:
    seed: int = 1234
    # Target number of examples over train/val/test (before the leakage guard drops a few from val/test).
    examples: int = 11000
    positive_share: float = 0.5
    context_lines: int = 0
    # A safety stop: give up if this many files don't yield enough examples.
    max_files: int = 100_000
    # The build fails if fewer of the negatives are hard (placeholders, lookups, hashes…) than this.
    min_hard_negative_share: float = 0.4
    # Share of the negatives taken from candidates that `harmless_reason` drops before the judge (placeholders,
    # lookups, hashes…): the rest are judge-visible. 0 trains on exactly what the judge sees; a little keeps the
    # policy's easy cases in view and the judge robust to filter changes. See docs/data.md.
    filtered_negative_share: float = 0.3
    splits: SplitConfig = field(default_factory=SplitConfig)
    generator: GeneratorConfig = field(default_factory=GeneratorConfig)
    dedup: DedupConfig = field(default_factory=DedupConfig)
    harvest: HarvestConfig | None = None
    real: RealConfig | None = None
    audits: AuditsConfig | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.seed, int) or isinstance(self.seed, bool):
            raise ConfigError("seed must be an integer")
        if not isinstance(self.examples, int) or not 10 <= self.examples <= 1_000_000:
            raise ConfigError(f"examples must be an integer between 10 and 1000000, not {self.examples!r}")
        _share("positive_share", self.positive_share)
        _share("min_hard_negative_share", self.min_hard_negative_share)
        _share("filtered_negative_share", self.filtered_negative_share)
        if not isinstance(self.context_lines, int) or not 0 <= self.context_lines <= 3:
            raise ConfigError("context_lines must be 0..3 (the scanner's candidates carry 3 lines of context)")
        if self.max_files <= 0:
            raise ConfigError("max_files must be positive")


_SECTIONS: dict[str, type] = {
    "splits": SplitConfig,
    "generator": GeneratorConfig,
    "dedup": DedupConfig,
    "harvest": HarvestConfig,
    "real": RealConfig,
    "audits": AuditsConfig,
}


def _build(cls: type, table: Any, where: str) -> Any:
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a mapping")
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(table) - known)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    values = {}
    for key, value in table.items():
        if key in _SECTIONS and cls is DataConfig:
            values[key] = None if value is None else _build(_SECTIONS[key], value, key)
        elif isinstance(value, list):
            values[key] = tuple(value)
        else:
            values[key] = value
    try:
        return cls(**values)
    except TypeError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def config_from_mapping(table: dict[str, Any], source: str) -> DataConfig:
    try:
        config: DataConfig = _build(DataConfig, table, source)
    except ConfigError as exc:
        message = str(exc)
        raise ConfigError(message if message.startswith(source) else f"{source}: {message}") from None
    return config


def load_data_config(path: Path) -> DataConfig:
    """Read a configs/data/*.yaml file. Any problem is a ConfigError naming the file."""
    import yaml

    try:
        table = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML: {exc}") from None
    return config_from_mapping(table if table is not None else {}, str(path))


def config_to_mapping(config: DataConfig) -> dict[str, Any]:
    """Plain data for the build manifest (tuples become lists, so it round-trips through YAML/JSON)."""

    def plain(value: Any) -> Any:
        if isinstance(value, tuple):
            return [plain(v) for v in value]
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        return value

    return plain(asdict(config))


__all__ = [
    "AuditsConfig",
    "DataConfig",
    "DedupConfig",
    "GeneratorConfig",
    "HarvestConfig",
    "RealConfig",
    "SplitConfig",
    "config_from_mapping",
    "config_to_mapping",
    "load_data_config",
]
