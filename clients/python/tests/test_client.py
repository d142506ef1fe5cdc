"""Exercises flowkit_client against the live server in $FLOWKIT_SERVER ($FLOWKIT_TOKEN if it has one).

Run from the installed package, or from the source tree with PYTHONPATH=clients/python/src.
The NumPy half runs when NumPy is importable; without it, the test checks that the array methods
say what to install instead of failing obscurely.
"""

from __future__ import annotations

import csv
import importlib.util
import math
import os
import random
import tempfile
from typing import Any

from flowkit_client import Client, FlowkitError

# None when NumPy is not installed: the test then checks the stdlib-only half.
numpy: Any = importlib.import_module("numpy") if importlib.util.find_spec("numpy") else None


def write_points(path: str, count: int) -> list[list[float]]:
    generator = random.Random(0)
    rows = [[generator.gauss(0, 1.0), generator.gauss(0, 0.5)] for _ in range(count)]
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["a", "b"])
        writer.writerows(rows)
    return rows


def main() -> None:
    client = Client()
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "points.csv")
        rows = write_points(path, 300)
        config = {"data": {"kind": "csv"}, "model": {"kind": "realnvp", "layers": 2, "hidden": 16},
                  "train": {"steps": 80, "batchSize": 64, "evalEvery": 40, "checkpointEvery": 40, "logEvery": 10}}
        job = client.submit(config, data=[path], name="from-python")
        finished = client.wait(job["id"], timeout=300)
        assert finished["status"] == "succeeded", finished
        events = list(client.logs(job["id"]))
        assert any(e["type"] == "metric" for e in events), events[:3]

        drawn = client.samples_rows(job["id"], n=7, seed=1)
        assert len(drawn) == 7 and all(len(row) == 2 for row in drawn), drawn
        values = client.logprob_values(job["id"], rows[:5])
        assert len(values) == 5 and all(math.isfinite(v) for v in values), values

        if numpy is not None:
            samples = client.samples(job["id"], n=7, seed=1)
            assert samples.shape == (7, 2) and samples.dtype == numpy.float32, samples.shape
            # The same seed gives the same samples whichever encoding carries them.
            assert samples.tolist() == [[numpy.float32(v) for v in row] for row in drawn], (samples, drawn)
            lp = client.logprob(job["id"], numpy.asarray(rows[:5]))
            assert lp.shape == (5,) and lp.tolist() == values, (lp, values)
        else:
            try:
                client.samples(job["id"], n=7)
                raise AssertionError("samples() without NumPy did not say what to install")
            except ImportError as error:
                assert "samples_rows" in str(error), error

        assert job["id"] in [j["id"] for j in client.list()]
        try:
            client.pause(job["id"])
            raise AssertionError("pausing a finished job was accepted")
        except FlowkitError as error:
            assert error.status == 409, error
    print(f"python client: ok ({'with' if numpy is not None else 'without'} NumPy)")


if __name__ == "__main__":
    main()
