"""The migrations build exactly the schema the models declare, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.extensions import db


def test_the_migrated_schema_matches_the_models(app):
    # The app fixture builds its schema with the migrations (tests/conftest.py).
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == [], "a model change without its migration, or the reverse"


def test_groups_profiled_before_outages_and_languages_were_counted_are_counted_again(app):
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import select, text

    from app.models import Ticket
    from tests.support.factories import submitted

    def daycare(words: str):
        return submitted(words, "daycare-application", language="fi")

    first = daycare("Päiväkotihakemuksen liite ei lataudu, pdf-tiedosto hylätään.")
    daycare("Päiväkotihakemuksen liitteen lataus epäonnistuu, pdf ei kelpaa.")
    other = daycare("Päiväkotimaksu veloitettiin kahdesti tililtäni, maksu pitää palauttaa.")
    groups = (first.ticket.id, other.ticket.id)
    assert groups[0] != groups[1] and first.ticket.profile_members == 2
    db.session.commit()
    downgrade(revision="0026")
    db.session.execute(text(f"UPDATE feedback SET kind = 'outage' WHERE id = {first.id}"))
    # A group whose representative was never built: it is summed when first compared.
    db.session.execute(text(f"UPDATE ticket SET centroid = NULL WHERE id = {groups[1]}"))
    # A group a handler merged, with a count push never made: 0028 drops it.
    merged = "UPDATE ticket SET state = 'merged', count_due_at = '2026-01-01' WHERE id = "
    db.session.execute(text(f"{merged}{groups[1]}"))
    db.session.commit()
    upgrade()
    counts = db.session.execute(
        text("SELECT id, profile_members, profile_outages FROM ticket ORDER BY id")
    ).all()
    assert [tuple(row) for row in counts] == [(groups[0], 2, 1), (groups[1], 0, 0)]
    languages = db.session.scalars(select(Ticket.profile_languages).order_by(Ticket.id))
    assert languages.all() == [{"fi": 2}, {}]
    pushes = db.session.execute(text("SELECT id FROM ticket WHERE count_due_at IS NOT NULL"))
    assert groups[1] not in pushes.scalars().all()
