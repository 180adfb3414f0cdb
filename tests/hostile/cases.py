"""Input classes shared by the SOAP and JSON hostile tests."""

from __future__ import annotations

from tests.hostile.envelopes import ACCOUNT, GUARDIAN, PATIENT, full
from tests.support.salesforce_messages import ORG_ID

# Record ids that must be refused (strict: exact length, verified checksum, no
# whitespace, no case repair, the Patient__c key prefix). Finding 6.
BAD_RECORD_IDS = {
    "trailing-newline": PATIENT + "\n",
    "trailing-crlf": PATIENT + "\r\n",
    "leading-space": " " + PATIENT,
    "trailing-space": PATIENT + " ",
    "inner-tab": PATIENT[:8] + "\t" + PATIENT[9:],
    "length-14": PATIENT[:14],
    "length-16": PATIENT[:16],
    "length-17": PATIENT[:17],
    "length-19": PATIENT + "A",
    "bad-checksum": PATIENT[:15] + ("AAB" if PATIENT[15:] != "AAB" else "AAC"),
    "checksum-lower-case": PATIENT[:15] + PATIENT[15:].lower(),
    "case-lost-lower": PATIENT[:15].lower() + PATIENT[15:],
    "case-lost-upper": PATIENT[:15].upper() + PATIENT[15:],
    "non-ascii-letter": PATIENT[:5] + "é" + PATIENT[6:],
    "fullwidth-digit": PATIENT[:1] + "０" + PATIENT[2:],
    "account-id": ACCOUNT,
    "account-id-15": ACCOUNT[:15],
    "other-custom-object": GUARDIAN,
    "org-id": ORG_ID,
    "empty": "",
    "injection": "a00' OR '1'='1",
    "url-encoded-newline": PATIENT + "%0A",
}

BAD_ORG_IDS = {
    "bad-checksum": ORG_ID[:15] + "AAA",
    "not-an-org": full("0015g000004CDEF"),
    "lower-cased": ORG_ID.lower(),
    "trailing-newline": ORG_ID + "\n",
    "length-16": ORG_ID[:16],
    "empty": "",
}

OTHER_ORG = full("00D5g000004ZZZZ")  # well-formed, not in SF_ALLOWED_ORG_IDS

WRONG_CONTENT_TYPES = [
    None,
    "text/plain",
    "text/html",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/octet-stream",
    "application/javascript",
    "text/xml-foo",
]
