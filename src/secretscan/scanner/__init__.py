"""The deterministic candidate stage: pure Python, no ML imports."""
