#!/usr/bin/env python3
"""Extract QPU calibration numbers from qiskit-ibm-runtime's fake backends into a data file.

    python scripts/extract_qpu_calibrations.py   # writes qnet_envs/data/qpu_calibrations.json

``qiskit_ibm_runtime.fake_provider`` ships snapshots of real IBM devices (qubit counts, gate
errors and durations, readout durations, T1/T2). For every V2 fake backend with a two-qubit gate
this records the qubit count, the median two-qubit error and duration, the median readout
duration and the median T1 and T2. ``qnet_envs.core.qpu_pool`` reads the JSON to build
heterogeneous QPU pools for Q-Backbone (seed 001, Sec. IV) without importing qiskit.
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[1] / "qnet_envs" / "data" / "qpu_calibrations.json"
TWO_QUBIT_GATES = ("ecr", "cx", "cz")


def _median(values) -> float | None:
    values = [v for v in values if v is not None and math.isfinite(v)]
    return float(np.median(values)) if values else None


def extract(backend) -> dict | None:
    target = backend.target
    gates = [g for g in TWO_QUBIT_GATES if g in target.operation_names]
    if not gates:
        return None
    gate = gates[0]
    props = [p for p in target[gate].values() if p is not None]
    error = _median(p.error for p in props if p.error is not None and p.error < 1.0)
    duration = _median(p.duration for p in props)
    readout = _median(p.duration for p in target["measure"].values() if p is not None)
    t1 = _median(q.t1 for q in target.qubit_properties or [] if q is not None)
    t2 = _median(q.t2 for q in target.qubit_properties or [] if q is not None)
    if error is None or duration is None:
        return None
    return {
        "name": backend.name,
        "qubits": int(backend.num_qubits),
        "two_qubit_gate": gate,
        "two_qubit_error": round(error, 6),
        "two_qubit_duration_s": duration,
        "readout_duration_s": readout,
        "t1_s": t1,
        "t2_s": t2,
    }


def main() -> None:
    from qiskit_ibm_runtime import fake_provider

    devices = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in sorted(dir(fake_provider)):
            if not (name.startswith("Fake") and name.endswith("V2")) or "Provider" in name:
                continue
            try:
                row = extract(getattr(fake_provider, name)())
            except Exception as exc:  # a snapshot that fails to load is skipped, not fatal
                print(f"skip {name}: {exc}")
                continue
            if row is not None:
                row["class"] = name
                devices.append(row)
    OUT.write_text(
        json.dumps(
            {
                "source": "qiskit_ibm_runtime.fake_provider snapshots of IBM Quantum devices "
                "(medians over qubits and couplers)",
                "generator": "scripts/extract_qpu_calibrations.py",
                "devices": devices,
            },
            indent=1,
        )
        + "\n"
    )
    print(f"wrote {len(devices)} devices to {OUT}")


if __name__ == "__main__":
    main()
