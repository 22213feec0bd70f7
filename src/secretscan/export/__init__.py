"""From a trained adapter to the models secretscan and Ollama run (`secretscan-train export`, docs/export.md).

run (a training run dir) -> merge (HF folder) -> gguf (llama.cpp's converter) -> quantize (llama.cpp, in process);
lora_gguf (the adapter alone); roundtrip (every GGUF vs the HF model, with a refusal gate); modelfile (Ollama);
card (model card + artifacts.json); pipeline (`export all`); cli (the click commands). torch, transformers and
peft are imported inside the functions that need them.
"""
