"""Portal-independent machinery: browser start-up, waits, setters, retries, captures."""
