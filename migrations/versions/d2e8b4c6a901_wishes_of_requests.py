"""wishes of requests (languages and same gender, recorded at booking)

Revision ID: d2e8b4c6a901
Revises: c4f1a9e3d2b7
Create Date: 2026-12-02 19:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd2e8b4c6a901'
down_revision = 'c4f1a9e3d2b7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ride_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('languages', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('same_gender', sa.String(length=4), nullable=True))


def downgrade():
    with op.batch_alter_table('ride_requests', schema=None) as batch_op:
        batch_op.drop_column('same_gender')
        batch_op.drop_column('languages')
