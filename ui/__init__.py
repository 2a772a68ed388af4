"""JamBridge's desktop app (PyQt6), installed as ``jambridge.ui``: a thin adapter over the
library's bridge session. ``jambridge app`` runs :func:`jambridge.ui.app.main`.

The library (``jambridge/``) never imports Qt; here, Qt-free modules hold the logic and are
tested without a display, and the widgets only show values and report clicks:

- no Qt: :mod:`~jambridge.ui.take_store` (the take history on disk), :mod:`~jambridge.ui.offline`
  (generate / regenerate one track, the engine choice) and
  :mod:`~jambridge.ui.offline_process` (which runs it in a process of its own),
  :mod:`~jambridge.ui.timeline_model`
  (bars in the lanes, the view window, the playhead), :mod:`~jambridge.ui.gm_programs`;
- Qt, no widgets: :mod:`~jambridge.ui.worker` (slow calls off the Qt thread),
  :mod:`~jambridge.ui.session_adapter` (the only module that talks to
  :class:`jambridge.bridge.session.BridgeSession`), :mod:`~jambridge.ui.studio` (presets,
  generation, takes) and :mod:`~jambridge.ui.live` (the bridge's side of the window);
- widgets: :mod:`~jambridge.ui.main_window` (layout and wiring only),
  :mod:`~jambridge.ui.transport_bar`, :mod:`~jambridge.ui.lane` and
  :mod:`~jambridge.ui.piano_roll`, :mod:`~jambridge.ui.presets_panel`,
  :mod:`~jambridge.ui.generate_panel`, :mod:`~jambridge.ui.capture_panel`,
  :mod:`~jambridge.ui.takes`, :mod:`~jambridge.ui.drag`, :mod:`~jambridge.ui.message_area`;
- :mod:`~jambridge.ui.app` (QApplication, :func:`~jambridge.ui.app.build_window`, ``main``);
- benchmarks: ``python -m jambridge.bench.startup`` and ``python -m
  jambridge.bench.stream``.
"""
