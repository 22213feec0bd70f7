"""`python -m secretscan`: the same as the `secretscan` command."""

from secretscan.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
