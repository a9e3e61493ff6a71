"""instance_attachment: the (instance, field) each file is attached to (issue 17, defect 6)

Revision ID: b91d6f2a4c58
Revises: a17e5c3d9b20
Create Date: 2027-01-14 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b91d6f2a4c58'
down_revision = 'a17e5c3d9b20'
branch_labels = None
depends_on = None

BATCH = 500


def upgrade():
    op.create_table('instance_attachment',
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('field_key', sa.String(length=64), nullable=False),
    sa.Column('attachment_id', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['attachment_id'], ['form_attachment.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('instance_id', 'field_key', 'attachment_id')
    )
    with op.batch_alter_table('instance_attachment', schema=None) as batch_op:
        batch_op.create_index('ix_instance_attachment_attachment', ['attachment_id'], unique=False)
    _backfill()


def _backfill():
    """Attach the files existing instances hold in fields that carry uploads (the field
    type's ``uploads``) to those fields. Ids of files that do not exist are left out, and so
    are fields of a type no longer installed (nothing can show them)."""
    from plugins.fields import UnknownFieldTypeError, field_type

    connection = op.get_bind()
    versions = sa.table(
        'definition_version', sa.column('id', sa.Integer), sa.column('document', sa.JSON)
    )
    instances = sa.table(
        'process_instance',
        sa.column('id', sa.Integer),
        sa.column('definition_version_id', sa.Integer),
        sa.column('values', sa.JSON),
    )
    attachments = sa.table('form_attachment', sa.column('id', sa.String))
    upload_keys = {}
    for version_id, document in connection.execute(sa.select(versions.c.id, versions.c.document)):
        keys = set()
        for spec in (document or {}).get('fields', ()):
            try:
                if field_type(spec).uploads:
                    keys.add(spec['key'])
            except UnknownFieldTypeError:  # a type no longer installed
                continue
        upload_keys[version_id] = keys
    wanted = []
    rows = connection.execute(
        sa.select(instances.c.id, instances.c.definition_version_id, instances.c['values'])
    )
    for instance_id, version_id, values in rows:
        for key in upload_keys.get(version_id, ()):
            stored = (values or {}).get(key)
            for item in stored if isinstance(stored, list) else ():
                if isinstance(item, dict) and isinstance(item.get('id'), str):
                    wanted.append((instance_id, key, item['id']))
    existing = set()
    ids = sorted({file_id for _, _, file_id in wanted})
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        existing.update(
            connection.execute(
                sa.select(attachments.c.id).where(attachments.c.id.in_(chunk))
            ).scalars()
        )
    links = sorted({row for row in wanted if row[2] in existing})
    table = sa.table(
        'instance_attachment',
        sa.column('instance_id', sa.Integer),
        sa.column('field_key', sa.String),
        sa.column('attachment_id', sa.String),
    )
    for start in range(0, len(links), BATCH):
        op.bulk_insert(
            table,
            [
                {'instance_id': i, 'field_key': k, 'attachment_id': a}
                for i, k, a in links[start:start + BATCH]
            ],
        )


def downgrade():
    with op.batch_alter_table('instance_attachment', schema=None) as batch_op:
        batch_op.drop_index('ix_instance_attachment_attachment')

    op.drop_table('instance_attachment')
