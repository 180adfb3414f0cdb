"""Operations: what the status page, the metrics and the alerts read about the running system."""
