"""Presets shipped with JamBridge (JSON files; see jambridge.preset)."""
