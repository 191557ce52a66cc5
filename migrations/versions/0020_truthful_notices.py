"""truthful notices: contacts' phone numbers in E.164; a department's language and whether
untranslated words hold its notices; the handlers' words for citizens in other languages

Revision ID: 0020
Revises: 0019
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

_BATCH = 5000


def _phones_to_e164() -> None:
    """Stored numbers as the app now stores them (app/services/contacts.py), so the
    returning-caller look-up finds "+358 40 123 4567" where "0401234567" was kept."""
    from app.services.contacts import normalise_phone

    bind = op.get_bind()
    contact = sa.table(
        "contact",
        sa.column("id", sa.Integer),
        sa.column("phone", sa.String),
        sa.column("language", sa.String),
    )
    last = 0
    while True:
        rows = bind.execute(
            sa.select(contact.c.id, contact.c.phone, contact.c.language)
            .where(contact.c.phone.is_not(None), contact.c.id > last)
            .order_by(contact.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            return
        changed = [
            {"contact_id": id_, "e164": normalise_phone(phone, language)}
            for id_, phone, language in rows
            if normalise_phone(phone, language) != phone
        ]
        if changed:
            bind.execute(
                contact.update()
                .where(contact.c.id == sa.bindparam("contact_id"))
                .values(phone=sa.bindparam("e164")),
                changed,
            )
        last = rows[-1][0]


def upgrade():
    _phones_to_e164()
    with op.batch_alter_table("department") as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))
        batch_op.add_column(
            sa.Column(
                "hold_untranslated", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    with op.batch_alter_table("ticket") as batch_op:
        batch_op.add_column(sa.Column("translations", sa.JSON(), nullable=True))


def downgrade():
    # E.164 numbers are valid phone numbers for the earlier code too: they stay.
    with op.batch_alter_table("ticket") as batch_op:
        batch_op.drop_column("translations")
    with op.batch_alter_table("department") as batch_op:
        batch_op.drop_column("hold_untranslated")
        batch_op.drop_column("language")
