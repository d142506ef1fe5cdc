"""A Python client of the flowkit training service.

    from flowkit_client import Client
    client = Client("http://127.0.0.1:8080", token=None)       # or $FLOWKIT_SERVER / $FLOWKIT_TOKEN
    job = client.submit({"data": {"kind": "toy", "name": "banana"}, "train": {"steps": 500}})
    client.wait(job["id"])                                      # until succeeded / failed / cancelled
    x = client.samples(job["id"], n=1000, seed=1)               # NumPy array [1000, 2] (needs NumPy)
    lp = client.logprob(job["id"], x[:10])                      # NumPy array [10]
    rows = client.samples_rows(job["id"], n=10)                 # lists: standard library only

Errors from the server raise `FlowkitError` with its HTTP status, code and message.
"""

from .client import FINISHED, Client, FlowkitError

__all__ = ["Client", "FlowkitError", "FINISHED"]
__version__ = "0.1.0"
