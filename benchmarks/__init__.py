"""`followup bench`: what users feel, measured beside the engine's own limit on the same machine.

This package may import both pipelines and dashboard: it times the dashboard's own cached
query path, so it lives outside `pipelines/` (which never imports streamlit).
"""
