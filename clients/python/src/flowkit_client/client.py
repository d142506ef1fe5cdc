"""The flowkit training service's HTTP API as a Python class (standard library only).

NumPy is optional: `samples` and `logprob` return NumPy arrays and need it
(`pip install "./clients/python[numpy]"`); `samples_rows` and `logprob_values` return plain
lists and need nothing beyond the standard library.
"""

from __future__ import annotations

import io
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # only for the annotations; NumPy is imported where an array is made
    import numpy as np

FINISHED = ("succeeded", "failed", "cancelled")

JSONObject = dict[str, Any]
# Module-level names: inside Client, `list` is the method that lists jobs.
JSONObjects = list[JSONObject]
Rows = list[list[float]]
Values = list[float]


class FlowkitError(Exception):
    """An error answer of the service: HTTP status, error code and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message


def _numpy() -> Any:
    try:
        import numpy
    except ImportError as error:  # say which extra brings it, not just "No module named numpy"
        raise ImportError(
            "this method returns a NumPy array: install NumPy (pip install \"flowkit-client[numpy]\") "
            "or use samples_rows / logprob_values, which return lists"
        ) from error
    return numpy


class Client:
    """One flowkit server. `server` and `token` default to $FLOWKIT_SERVER and $FLOWKIT_TOKEN."""

    def __init__(self, server: str | None = None, token: str | None = None, timeout: float = 600) -> None:
        self.server = (server or os.environ.get("FLOWKIT_SERVER") or "http://127.0.0.1:8080").rstrip("/")
        self.token = token if token is not None else os.environ.get("FLOWKIT_TOKEN") or None
        self.timeout = timeout

    # -- plumbing ---------------------------------------------------------------------------
    def request(self, method: str, path: str, query: dict[str, Any] | None = None, body: bytes | None = None,
                content_type: str | None = None, accept: str | None = None) -> tuple[bytes, str]:
        """One request; an error answer raises FlowkitError. Returns the body and its content type."""
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
                code, message = str(detail.get("code", "error")), str(detail.get("message", ""))
            except (ValueError, KeyError, TypeError, AttributeError):
                code, message = "http", raw[:300].decode("utf-8", "replace")
            raise FlowkitError(error.code, code, message) from None

    def json(self, method: str, path: str, query: dict[str, Any] | None = None, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        raw, _ = self.request(method, path, query, data, "application/json" if data is not None else None)
        return json.loads(raw)

    # -- datasets ---------------------------------------------------------------------------
    def upload(self, path: str, fmt: str | None = None, name: str | None = None) -> JSONObject:
        """Uploads a CSV, NPY or IDX file; returns the dataset (use `"dataset:" + id` in a config)."""
        fmt = fmt or os.path.splitext(path)[1].lstrip(".").lower() or "csv"
        with open(path, "rb") as handle:
            raw, _ = self.request("POST", "/v1/datasets", {"format": fmt, "name": name or os.path.basename(path)},
                                  handle.read(), "application/octet-stream")
        answer: JSONObject = json.loads(raw)
        return answer

    def datasets(self) -> JSONObjects:
        answer: JSONObjects = self.json("GET", "/v1/datasets")["datasets"]
        return answer

    # -- jobs -------------------------------------------------------------------------------
    def submit(self, config: JSONObject, data: Sequence[str] = (), device: str = "cpu", name: str | None = None,
               priority: int = 0) -> JSONObject:
        """Submits a job; each file in `data` is uploaded and becomes data.train, .validation, .test."""
        config = json.loads(json.dumps(config))
        for key, path in zip(("train", "validation", "test"), data):
            dataset = self.upload(path)
            config.setdefault("data", {})[key] = "dataset:" + dataset["id"]
            config["data"].setdefault("kind", dataset["format"])
        body: JSONObject = {"config": config, "device": device, "priority": priority}
        if name:
            body["name"] = name
        job: JSONObject = self.json("POST", "/v1/jobs", body=body)
        return job

    def list(self, status: str | None = None, limit: int = 50) -> JSONObjects:
        query: dict[str, Any] = {"limit": limit}
        if status:
            query["status"] = status
        jobs: JSONObjects = self.json("GET", "/v1/jobs", query)["jobs"]
        return jobs

    def show(self, job_id: str) -> JSONObject:
        job: JSONObject = self.json("GET", f"/v1/jobs/{job_id}")
        return job

    def cancel(self, job_id: str) -> JSONObject:
        job: JSONObject = self.json("POST", f"/v1/jobs/{job_id}/cancel")
        return job

    def pause(self, job_id: str) -> JSONObject:
        job: JSONObject = self.json("POST", f"/v1/jobs/{job_id}/pause")
        return job

    def resume(self, job_id: str) -> JSONObject:
        job: JSONObject = self.json("POST", f"/v1/jobs/{job_id}/resume")
        return job

    def events(self, job_id: str, after: int = 0) -> tuple[JSONObjects, int]:
        """One page of the job's events after `after`, and the cursor for the next page."""
        page = self.json("GET", f"/v1/jobs/{job_id}/events", {"after": after})
        return page["events"], int(page["next"])

    def logs(self, job_id: str, follow: bool = False, poll: float = 1.0) -> Iterator[JSONObject]:
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

    def wait(self, job_id: str, timeout: float = 3600, poll: float = 0.5) -> JSONObject:
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
    def _samples_body(self, n: int, seed: int, temperature: float) -> bytes:
        return json.dumps({"n": n, "seed": seed, "temperature": temperature}).encode()

    def samples(self, job_id: str, n: int, seed: int = 0, temperature: float = 1.0) -> np.ndarray:
        """n samples from the job's model (best, else newest checkpoint), as a float32 NumPy array
        of shape [n, *event shape]. Needs NumPy."""
        numpy = _numpy()
        raw, _ = self.request("POST", f"/v1/jobs/{job_id}/samples", body=self._samples_body(n, seed, temperature),
                              content_type="application/json", accept="application/x-npy")
        array: np.ndarray = numpy.load(io.BytesIO(raw), allow_pickle=False)
        return array

    def samples_rows(self, job_id: str, n: int, seed: int = 0, temperature: float = 1.0) -> Rows:
        """The same samples as `samples`, each flattened to one row of floats (standard library only)."""
        answer = self.json("POST", f"/v1/jobs/{job_id}/samples", body={"n": n, "seed": seed, "temperature": temperature})
        rows: Rows = answer["samples"]
        return rows

    def logprob_values(self, job_id: str, x: Sequence[Sequence[float]]) -> Values:
        """Log-densities (nats) of the rows of x (standard library only). JSON has no infinities: the
        server sends a non-finite value as null plus a `nonFinite` entry, turned back here into
        -inf (zero density), inf or nan."""
        rows = [[float(value) for value in row] for row in x]
        answer = self.json("POST", f"/v1/jobs/{job_id}/logprob", body={"x": rows})
        flags: dict[str, str] = answer.get("nonFinite", {})
        return [float(flags.get(str(i), "nan")) if v is None else float(v) for i, v in enumerate(answer["logProb"])]

    def logprob(self, job_id: str, x: Any) -> np.ndarray:
        """`logprob_values` as a float64 NumPy array; x may be any array-like of rows. Needs NumPy."""
        numpy = _numpy()
        values = self.logprob_values(job_id, numpy.asarray(x, dtype=numpy.float64).tolist())
        array: np.ndarray = numpy.array(values, dtype=numpy.float64)
        return array


__all__ = ["Client", "FlowkitError", "FINISHED"]
