"""``jambridge ports``: the MIDI APIs this machine has, and the ports each one offers."""

from __future__ import annotations

import argparse
import json


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--midi-api", default=None,
                   choices=("alsa", "jack", "coremidi", "winmm"),
                   help="list only this API (default: all rtmidi was built with)")  # fmt: skip
    p.add_argument("--json", action="store_true", help="print one JSON object")


def run(args: argparse.Namespace) -> int:
    from jambridge.bridge.io.ports import APIS, choose_api, compiled_apis, list_ports, probe
    from jambridge.errors import PortError

    apis = [args.midi_api] if args.midi_api else compiled_apis()
    report: dict = {"apis": {}, "auto": None}
    try:
        report["auto"] = choose_api("auto")
    except PortError as err:
        report["auto_error"] = str(err)
    for api in apis:
        why = probe(api)
        entry: dict = {"label": APIS[api].label, "usable": why is None, "virtual_ports": False}
        if why is None:
            entry["virtual_ports"] = APIS[api].virtual
            entry["inputs"], entry["outputs"] = list_ports(api)
        else:
            entry["why_not"] = why
        report["apis"][api] = entry
    if args.json:
        print(json.dumps(report))
        return 0
    auto = report["auto"] or f"none ({report.get('auto_error')})"
    print(f"--midi-api auto picks: {auto}")
    for api, entry in report["apis"].items():
        if not entry["usable"]:
            print(f"\n{api} ({entry['label']}): not usable: {entry['why_not']}")
            continue
        virtual = "makes virtual ports" if entry["virtual_ports"] else "no virtual ports"
        print(f"\n{api} ({entry['label']}, {virtual})")
        print("  inputs (for --in):")
        for name in entry["inputs"] or ["(none)"]:
            print(f"    {name}")
        print("  outputs (for --out):")
        for name in entry["outputs"] or ["(none)"]:
            print(f"    {name}")
    return 0
