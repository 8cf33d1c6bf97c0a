"""One module per schema migration of the records database, ``NNNN_name.py``, each with its
``upgrade`` (Alembic revision ids are the numbers)."""
