"""Exercises flowkit_client against the server in $FLOWKIT_SERVER (run by the Swift service tests)."""

import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from flowkit_client import Client, FlowkitError  # noqa: E402


def main() -> None:
    client = Client()
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "points.csv")
        rng = np.random.default_rng(0)
        x = rng.normal(size=(300, 2)) * [1.0, 0.5]
        np.savetxt(path, x, delimiter=",", header="a,b", comments="")
        config = {"data": {"kind": "csv"}, "model": {"kind": "realnvp", "layers": 2, "hidden": 16},
                  "train": {"steps": 80, "batchSize": 64, "evalEvery": 40, "checkpointEvery": 40, "logEvery": 10}}
        job = client.submit(config, data=[path], name="from-python")
        finished = client.wait(job["id"], timeout=300)
        assert finished["status"] == "succeeded", finished
        events = list(client.logs(job["id"]))
        assert any(e["type"] == "metric" for e in events), events[:3]
        samples = client.samples(job["id"], n=7, seed=1)
        assert samples.shape == (7, 2) and samples.dtype == np.float32, samples.shape
        lp = client.logprob(job["id"], x[:5])
        assert lp.shape == (5,) and np.all(np.isfinite(lp)), lp
        assert job["id"] in [j["id"] for j in client.list()]
        try:
            client.pause(job["id"])
            raise AssertionError("pausing a finished job was accepted")
        except FlowkitError as error:
            assert error.status == 409, error
    print("python client: ok")


if __name__ == "__main__":
    main()
