"""LLM judges: each backend turns prompts into P(secret). No torch here: llama.cpp or Ollama only."""
