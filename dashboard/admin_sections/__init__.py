"""The sections (tabs) of the admin page: each module here has TITLE_KEY and render().

To add a section, create dashboard/admin_sections/<name>.py and add its name below.
"""

SECTIONS: tuple[str, ...] = (
    "users",
    "stage_rules",
    "risk_rules",
    "audit",
    "backup",
    "pipl",
)
