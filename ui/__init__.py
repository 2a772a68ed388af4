"""PyQt6 desktop app, installed as jambridge.ui (a thin adapter over jambridge.bridge)."""
