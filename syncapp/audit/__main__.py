"""``python -m syncapp.audit export --since DATE [--record ID] [--format jsonl|csv] [--decrypt]``."""

import sys

from syncapp.audit.export import main

sys.exit(main())
