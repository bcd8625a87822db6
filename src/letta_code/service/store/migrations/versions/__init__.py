"""One Alembic revision per module (`000N_<what>.py`), each with a docstring saying why.

A new revision sets `down_revision` to the previous one and moves `HEAD_REVISION` in
`store/db.py`. Migrations import only SQLAlchemy and Alembic, nothing else of ours.
"""
