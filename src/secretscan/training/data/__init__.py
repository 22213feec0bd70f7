"""Training data for the judge: synthetic source files, run through the real candidate stage, labelled from the
generator's ground truth and rendered with the scanner's own prompt builder.

Modules: `rand` (seeded string helpers), `providers` (token formats), `values` (secret and hard-negative value
families), `kinds` (file-kind renderers), `generate` (files with ground truth and near-miss twins), `examples`
(candidates -> labelled JSONL rows), `dedup` (exact and MinHash near-duplicate detection), `build`, `harvest`,
`validate`, `stats`, `config` (the YAML schema) and `cli` (the `secretscan-train data` commands).
"""
