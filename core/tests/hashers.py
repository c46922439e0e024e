"""The password hasher of the test process: PBKDF2-SHA256, as in production, with few rounds.

Django's default (PBKDF2-SHA256, over a million rounds) takes about half a second per hash on
CI's machine, and every ``admin_client``, ``create_superuser(password=...)`` and admin login
of the suite pays it. The hashes made here are ordinary ``pbkdf2_sha256$<rounds>$...``
strings: any process with Django's default hashers (gunicorn, ``make run``) verifies them,
since the rounds are part of the hash.
"""

from __future__ import annotations

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class FewRoundsPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    iterations = 1_000
