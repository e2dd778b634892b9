"""Data layer of followup: models, store, access, ingestion, metrics and the CLI.

Nothing here imports streamlit; the dashboard builds on these modules.
"""
