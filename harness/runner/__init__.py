"""The drill runner: bring up, break on schedule, let responders act, revert, score."""
