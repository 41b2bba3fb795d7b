"""purpose of requests (the kind of destination, for monitoring)

Revision ID: a1c3e5f70b12
Revises: 9691fb24486c
Create Date: 2026-12-01 22:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a1c3e5f70b12'
down_revision = '9691fb24486c'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ride_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('purpose', sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table('ride_requests', schema=None) as batch_op:
        batch_op.drop_column('purpose')
