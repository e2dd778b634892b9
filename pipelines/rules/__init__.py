"""Business rules: stage gates and risk warnings."""
