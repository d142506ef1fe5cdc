"""A small Python client of the flowkit training service (standard library + NumPy).

    from flowkit_client import Client
    client = Client("http://127.0.0.1:8080", token=None)       # or $FLOWKIT_SERVER / $FLOWKIT_TOKEN
    job = client.submit({"data": {"kind": "toy", "name": "banana"}, "train": {"steps": 500}})
    client.wait(job["id"])                                      # until succeeded / failed / cancelled
    x = client.samples(job["id"], n=1000, seed=1)               # numpy array [1000, 2]
    lp = client.logprob(job["id"], x[:10])                      # numpy array [10]

Errors from the server raise `FlowkitError` with its code and message.
"""

from __future__ import annotations

import io
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request

import numpy as np

FINISHED = ("succeeded", "failed", "cancelled")


class FlowkitError(Exception):
    """An error answer of the service: HTTP status, error code and message."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message


class Client:
    def __init__(self, server: str | None = None, token: str | None = None, timeout: float = 600):
        self.server = (server or os.environ.get("FLOWKIT_SERVER") or "http://127.0.0.1:8080").rstrip("/")
        self.token = token if token is not None else os.environ.get("FLOWKIT_TOKEN") or None
        self.timeout = timeout

    # -- plumbing ---------------------------------------------------------------------------
    def request(self, method: str, path: str, query: dict | None = None, body: bytes | None = None,
                content_type: str | None = None, accept: str | None = None) -> tuple[bytes, str]:
        url = self.server + path + ("?" + urllib.parse.urlencode(query) if query else "")
        request = urllib.request.Request(url, data=body, method=method)
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        if content_type:
            request.add_header("Content-Type", content_type)
        if accept:
            request.add_header("Accept", accept)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.read(), response.headers.get("Content-Type", "")
        except urllib.error.HTTPError as error:
            raw = error.read()
            try:
                detail = json.loads(raw)["error"]
                raise FlowkitError(error.code, detail.get("code", "error"), detail.get("message", "")) from None
            except (ValueError, KeyError, TypeError):
                raise FlowkitError(error.code, "http", raw[:300].decode("utf-8", "replace")) from None

    def json(self, method: str, path: str, query: dict | None = None, body=None):
        data = None if body is None else json.dumps(body).encode()
        raw, _ = self.request(method, path, query, data, "application/json" if data is not None else None)
        return json.loads(raw)

    # -- datasets ---------------------------------------------------------------------------
    def upload(self, path: str, fmt: str | None = None, name: str | None = None) -> dict:
        """Uploads a CSV, NPY or IDX file; returns the dataset (use `"dataset:" + id` in a config)."""
        fmt = fmt or os.path.splitext(path)[1].lstrip(".").lower() or "csv"
        with open(path, "rb") as handle:
            raw, _ = self.request("POST", "/v1/datasets", {"format": fmt, "name": name or os.path.basename(path)},
                                  handle.read(), "application/octet-stream")
        return json.loads(raw)

    def datasets(self) -> list:
        return self.json("GET", "/v1/datasets")["datasets"]

    # -- jobs -------------------------------------------------------------------------------
    def submit(self, config: dict, data: list[str] = (), device: str = "cpu", name: str | None = None,
               priority: int = 0) -> dict:
        """Submits a job; each file in `data` is uploaded and becomes data.train, .validation, .test."""
        config = json.loads(json.dumps(config))
        for key, path in zip(("train", "validation", "test"), data):
            dataset = self.upload(path)
            config.setdefault("data", {})[key] = "dataset:" + dataset["id"]
            config["data"].setdefault("kind", dataset["format"])
        body = {"config": config, "device": device, "priority": priority}
        if name:
            body["name"] = name
        return self.json("POST", "/v1/jobs", body=body)

    def list(self, status: str | None = None, limit: int = 50) -> list:
        query = {"limit": limit}
        if status:
            query["status"] = status
        return self.json("GET", "/v1/jobs", query)["jobs"]

    def show(self, job_id: str) -> dict:
        return self.json("GET", f"/v1/jobs/{job_id}")

    def cancel(self, job_id: str) -> dict:
        return self.json("POST", f"/v1/jobs/{job_id}/cancel")

    def pause(self, job_id: str) -> dict:
        return self.json("POST", f"/v1/jobs/{job_id}/pause")

    def resume(self, job_id: str) -> dict:
        return self.json("POST", f"/v1/jobs/{job_id}/resume")

    def events(self, job_id: str, after: int = 0) -> tuple[list, int]:
        """One page of the job's events after `after`, and the cursor for the next page."""
        page = self.json("GET", f"/v1/jobs/{job_id}/events", {"after": after})
        return page["events"], int(page["next"])

    def logs(self, job_id: str, follow: bool = False, poll: float = 1.0):
        """Yields the job's events; with follow=True until the job has ended."""
        after = 0
        while True:
            events, after = self.events(job_id, after)
            yield from events
            if not follow:
                return
            if not events and self.show(job_id)["status"] in FINISHED:
                return
            time.sleep(poll)

    def wait(self, job_id: str, timeout: float = 3600, poll: float = 0.5) -> dict:
        """Polls until the job has succeeded, failed or been cancelled; returns it."""
        deadline = time.monotonic() + timeout
        while True:
            job = self.show(job_id)
            if job["status"] in FINISHED:
                return job
            if time.monotonic() > deadline:
                raise TimeoutError(f"job {job_id} still {job['status']} after {timeout} s")
            time.sleep(poll)

    # -- models -----------------------------------------------------------------------------
    def samples(self, job_id: str, n: int, seed: int = 0, temperature: float = 1.0) -> np.ndarray:
        """n samples from the job's model (best, else newest checkpoint), as a float32 array."""
        body = json.dumps({"n": n, "seed": seed, "temperature": temperature}).encode()
        raw, _ = self.request("POST", f"/v1/jobs/{job_id}/samples", body=body, content_type="application/json",
                              accept="application/x-npy")
        return np.load(io.BytesIO(raw), allow_pickle=False)

    def logprob(self, job_id: str, x) -> np.ndarray:
        """Log-densities (nats) of the rows of x; non-finite ones come back as -inf, inf or nan."""
        rows = np.asarray(x, dtype=np.float64).tolist()
        answer = self.json("POST", f"/v1/jobs/{job_id}/logprob", body={"x": rows})
        flags = answer.get("nonFinite", {})
        return np.array([float(flags.get(str(i), "nan")) if v is None else v for i, v in enumerate(answer["logProb"])], dtype=np.float64)
