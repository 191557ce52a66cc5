"""Replacing a declared job's body for one test (app/jobs.py's registry)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from app import jobs


def replace_job(monkeypatch: pytest.MonkeyPatch, name: str, body: Callable[..., None]) -> None:
    """The job declared as ``name`` runs ``body`` instead, for this test."""
    monkeypatch.setitem(jobs.DECLARED, name, dataclasses.replace(jobs.DECLARED[name], body=body))
