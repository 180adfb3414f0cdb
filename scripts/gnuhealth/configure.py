"""Run by GNU Health's own Python (proteus), once, right after ``health`` is activated.

Does what an administrator would do at the first login, so SAO opens straight
on the menu: marks the module configuration wizard done, creates the currency,
the company (and makes it the admin's), the US and its states
(from pycountry, offline, as ``trytond_import_countries`` would) and one insurance-company party per payer
the product's default payer map names. Standalone: it cannot import the product.

    python configure.py <trytond.conf> <database>
"""

import sys

import pycountry
from proteus import Model, config

COMPANY = "Sandbox Clinic"
# The payers Salesforce sends (see syncapp/bundle.py); the gnuhealth adapter's
# default payer map finds these parties by exactly these names.
INSURERS = (
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


def main(conf: str, database: str) -> None:
    config.set_trytond(database=database, config_file=conf)

    Item = Model.get("ir.module.config_wizard.item")
    for item in Item.find([("state", "!=", "done")]):
        item.state = "done"
        item.save()

    Currency = Model.get("currency.currency")
    (usd,) = Currency.find([("code", "=", "USD")]) or [
        Currency(name="U.S. Dollar", code="USD", symbol="$")
    ]
    usd.save()

    Party = Model.get("party.party")
    Company = Model.get("company.company")
    if not Company.find([]):
        company = Company(party=Party(name=COMPANY), currency=usd)
        company.party.save()
        company.save()
        User = Model.get("res.user")
        (admin,) = User.find([("login", "=", "admin")])
        admin.companies.append(Company(company.id))
        admin.company = Company(company.id)
        admin.save()

    Country = Model.get("country.country")
    if not Country.find([("code", "=", "US")]):
        us = Country(name="United States", code="US", code3="USA", code_numeric="840")
        us.save()
        Subdivision = Model.get("country.subdivision")
        for sub in pycountry.subdivisions.get(country_code="US"):
            Subdivision(country=us, name=sub.name, code=sub.code, type=sub.type.lower()).save()

    for name in INSURERS:
        if not Party.find([("name", "=", name), ("is_insurance_company", "=", True)]):
            Party(name=name, is_insurance_company=True, is_person=False).save()


if __name__ == "__main__":
    main(*sys.argv[1:3])
