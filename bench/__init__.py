"""Benchmarks of sf-emr-sync, stated as ratios measured in one run (``python -m bench``).

Absolute seconds depend on the machine; ratios measured side by side in the
same run (end-to-end vs the portal's raw-HTTP floor, warm vs cold browser,
no-op vs create, two workers vs one) say what the design buys, and are what
the product promises (goals in ``bench/report.py``, results in the README's
Performance table). Raw numbers are kept beside every ratio.
"""
