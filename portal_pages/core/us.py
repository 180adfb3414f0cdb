"""American facts more than one adapter needs: the state and territory codes with
their ISO 3166-2:US names, and the common payers a clinic's EMR usually lists.

Each adapter decides what to do with them (a list to check against, a name to pick
in a many2one); one copy here keeps the adapters from drifting apart.
"""

from __future__ import annotations

COMMON_PAYERS = (
    "Aetna",
    "Blue Cross Blue Shield",
    "Cigna",
    "Humana",
    "Kaiser Permanente",
    "Medicaid",
    "Medicare",
    "Tricare",
    "UnitedHealthcare",
    "Self-pay",
)

# ISO 3166-2:US subdivision names (what trytond_import_countries and pycountry call them).
US_STATE_NAMES = dict(
    pair.split(" ", 1)
    for pair in (
        "AL Alabama|AK Alaska|AZ Arizona|AR Arkansas|CA California|CO Colorado|CT Connecticut|"
        "DE Delaware|DC District of Columbia|FL Florida|GA Georgia|HI Hawaii|ID Idaho|"
        "IL Illinois|IN Indiana|IA Iowa|KS Kansas|KY Kentucky|LA Louisiana|ME Maine|MD Maryland|"
        "MA Massachusetts|MI Michigan|MN Minnesota|MS Mississippi|MO Missouri|MT Montana|"
        "NE Nebraska|NV Nevada|NH New Hampshire|NJ New Jersey|NM New Mexico|NY New York|"
        "NC North Carolina|ND North Dakota|OH Ohio|OK Oklahoma|OR Oregon|PA Pennsylvania|"
        "RI Rhode Island|SC South Carolina|SD South Dakota|TN Tennessee|TX Texas|UT Utah|"
        "VT Vermont|VA Virginia|WA Washington|WV West Virginia|WI Wisconsin|WY Wyoming|"
        "PR Puerto Rico|GU Guam|VI Virgin Islands, U.S.|AS American Samoa|"
        "MP Northern Mariana Islands"
    ).split("|")
)
