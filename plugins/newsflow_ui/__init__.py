"""The News page of the Airflow UI (``app``) and what it reads from the warehouse (``queries``).

A package beside ``newsflow_plugin.py`` rather than inside it, so the page can
be tested with FastAPI's TestClient and no Airflow process; ``.airflowignore``
keeps Airflow's plugin loader from importing its modules a second time as
top-level plugins.
"""
