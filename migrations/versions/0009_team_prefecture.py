"""team prefecture

Revision ID: 0009_team_prefecture
Revises: 0008_back_office
Create Date: 2026-12-04 18:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_team_prefecture'
down_revision = '0008_back_office'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prefecture', sa.String(length=2), nullable=True))
        batch_op.create_index(batch_op.f('ix_organizations_prefecture'), ['prefecture'], unique=False)


def downgrade():
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organizations_prefecture'))
        batch_op.drop_column('prefecture')
