"""The token that says whether the reference data every item reads has changed."""

from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class ReferenceData(db.Model):
    """One row: a random token written anew, in the writer's transaction, whenever the
    catalog, the routing rules, the glossary or the trained models change
    (app/services/reference_data.py)."""

    __tablename__ = "reference_data"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    token: Mapped[str] = mapped_column(String(32))
