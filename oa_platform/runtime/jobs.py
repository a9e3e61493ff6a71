"""Background jobs of node types (``NodeContext.run_job``), run by Celery with retries.

The job function gets the payload and returns a mapping, which goes back to the node type's
``on_job_done`` in a new transaction. Failures are retried with exponential back-off up to
the type's ``job_retries``; a :class:`~plugins.contract.PermanentJobError`, or the last
failure, puts the instance in error at the node for an administrator to retry or skip.
"""

from __future__ import annotations

import importlib
import traceback
from collections.abc import Callable, Mapping
from typing import Any

from oa_platform.extensions import celery
from plugins.contract import PermanentJobError


def _load(function: str) -> Callable[[Mapping[str, Any]], Mapping[str, Any]]:
    module, _, name = function.partition(":")
    return getattr(importlib.import_module(module), name)


@celery.task(bind=True, name="oa_platform.runtime.jobs.run_node_job", max_retries=None)
def run_node_job(
    self,
    instance_id: int,
    activation_id: int,
    function: str,
    payload: dict[str, Any],
    retries: int,
    backoff: float,
) -> None:
    from oa_platform.runtime.services import runtime

    try:
        result = _load(function)(payload)
    except Exception as error:  # the job is plugin code: any failure is handled the same way
        permanent = isinstance(error, PermanentJobError)
        if not permanent and self.request.retries < retries:
            raise self.retry(exc=error, countdown=backoff * 2**self.request.retries) from error
        detail = "".join(traceback.format_exception(error))
        attempts = self.request.retries + 1
        runtime().job_failed(instance_id, activation_id, f"after {attempts} attempt(s):\n{detail}")
        return
    runtime().job_done(instance_id, activation_id, dict(result))
