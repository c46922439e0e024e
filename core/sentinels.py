"""``UNSET``: the default of a service's keyword argument that the caller did not give.

``None`` is a value a caller may set (an empty budget means "no cap"), so "leave as is" needs
its own marker.
"""

from __future__ import annotations

from typing import Any

UNSET: Any = object()
