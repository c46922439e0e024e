"""``make bench``: agency-scale figures, each beside a baseline taken in the same run."""
