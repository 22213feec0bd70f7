"""secretscan: a local secret scanner with a small LLM judge."""

__version__ = "0.1.0"
