"""The Streamlit dashboard: router, login, cached queries, charts and pages."""
