"""The risk levels' colours: red / amber / green, as the manual's warning levels. Every use also
carries the level's name (UX.md: never colour alone). A module of its own so that the widgets and
pages that colour a level do not depend on the chart module for it."""

LEVEL_COLORS = {"red": "#d32f2f", "yellow": "#f0a202", "green": "#2e7d32"}  # charts and table tags
BADGE_COLORS = {"red": "red", "yellow": "orange", "green": "green"}  # Streamlit's named badge colours
