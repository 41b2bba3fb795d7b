"""notification outbox: notices, deliveries, board tasks, short links, open sockets;
channel preferences, caregiver consent, volunteers' cars, confirmed rides

Revision ID: c4f1a9e3d2b7
Revises: a1c3e5f70b12
Create Date: 2026-12-01 23:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4f1a9e3d2b7'
down_revision = 'a1c3e5f70b12'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'notices',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('to_caregiver', sa.Boolean(), nullable=False),
        sa.Column('quarter_slug', sa.String(length=40), nullable=True),
        sa.Column('request_id', sa.Integer(), nullable=True),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('key', sa.String(length=120), nullable=True),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('not_before', sa.DateTime(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('done_at', sa.DateTime(), nullable=True),
        sa.Column('detail', sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'],
                                name=op.f('fk_notices_person_id_people')),
        sa.ForeignKeyConstraint(['request_id'], ['ride_requests.id'],
                                name=op.f('fk_notices_request_id_ride_requests')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notices')),
        sa.UniqueConstraint('key', name=op.f('uq_notices_key')),
    )
    with op.batch_alter_table('notices', schema=None) as batch_op:
        for col in ('person_id', 'quarter_slug', 'request_id', 'state', 'not_before'):
            batch_op.create_index(batch_op.f(f'ix_notices_{col}'), [col], unique=False)

    op.create_table(
        'notice_deliveries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('notice_id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=10), nullable=False),
        sa.Column('address', sa.String(length=200), nullable=False),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_try_at', sa.DateTime(), nullable=False),
        sa.Column('claimed_until', sa.DateTime(), nullable=True),
        sa.Column('last_error', sa.String(length=300), nullable=True),
        sa.Column('provider_id', sa.String(length=120), nullable=True),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['notice_id'], ['notices.id'],
                                name=op.f('fk_notice_deliveries_notice_id_notices')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_deliveries')),
        sa.UniqueConstraint('notice_id', 'channel', name=op.f('uq_notice_deliveries_notice_id')),
    )
    with op.batch_alter_table('notice_deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_deliveries_notice_id'), ['notice_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_notice_deliveries_state'), ['state'], unique=False)

    op.create_table(
        'board_tasks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('quarter_slug', sa.String(length=40), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=True),
        sa.Column('request_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('done_at', sa.DateTime(), nullable=True),
        sa.Column('done_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'],
                                name=op.f('fk_board_tasks_person_id_people')),
        sa.ForeignKeyConstraint(['done_by_id'], ['people.id'],
                                name=op.f('fk_board_tasks_done_by_id_people')),
        sa.ForeignKeyConstraint(['request_id'], ['ride_requests.id'],
                                name=op.f('fk_board_tasks_request_id_ride_requests')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_board_tasks')),
    )
    with op.batch_alter_table('board_tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_board_tasks_quarter_slug'), ['quarter_slug'],
                              unique=False)

    op.create_table(
        'short_links',
        sa.Column('code', sa.String(length=16), nullable=False),
        sa.Column('request_id', sa.Integer(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['request_id'], ['ride_requests.id'],
                                name=op.f('fk_short_links_request_id_ride_requests')),
        sa.PrimaryKeyConstraint('code', name=op.f('pk_short_links')),
    )
    with op.batch_alter_table('short_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_short_links_request_id'), ['request_id'],
                              unique=False)

    op.create_table(
        'open_sockets',
        sa.Column('sid', sa.String(length=64), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('connected_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'],
                                name=op.f('fk_open_sockets_person_id_people')),
        sa.PrimaryKeyConstraint('sid', name=op.f('pk_open_sockets')),
    )
    with op.batch_alter_table('open_sockets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_open_sockets_person_id'), ['person_id'],
                              unique=False)

    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notify_channels', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('quiet_from', sa.String(length=5), nullable=True))
        batch_op.add_column(sa.Column('quiet_until', sa.String(length=5), nullable=True))
    with op.batch_alter_table('resident_profiles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('caregiver_copies', sa.Boolean(), server_default='0',
                                      nullable=False))
        batch_op.add_column(sa.Column('caregiver_consent_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('caregiver_consent_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_resident_profiles_caregiver_consent_by_id_people'), 'people',
            ['caregiver_consent_by_id'], ['id'])
    with op.batch_alter_table('volunteer_profiles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('car_make', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('car_colour', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('car_plate', sa.String(length=20), nullable=True))
    with op.batch_alter_table('ride_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confirmed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('told_pickup', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('ride_requests', schema=None) as batch_op:
        batch_op.drop_column('told_pickup')
        batch_op.drop_column('confirmed_at')
    with op.batch_alter_table('volunteer_profiles', schema=None) as batch_op:
        batch_op.drop_column('car_plate')
        batch_op.drop_column('car_colour')
        batch_op.drop_column('car_make')
    with op.batch_alter_table('resident_profiles', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_resident_profiles_caregiver_consent_by_id_people'),
                                 type_='foreignkey')
        batch_op.drop_column('caregiver_consent_by_id')
        batch_op.drop_column('caregiver_consent_at')
        batch_op.drop_column('caregiver_copies')
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_column('quiet_until')
        batch_op.drop_column('quiet_from')
        batch_op.drop_column('notify_channels')
    op.drop_table('open_sockets')
    op.drop_table('short_links')
    op.drop_table('board_tasks')
    op.drop_table('notice_deliveries')
    op.drop_table('notices')
