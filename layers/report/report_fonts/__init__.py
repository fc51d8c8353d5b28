"""The report's fonts, shipped in the report-only layer (see README.md beside this file).

An importable package so the report finds its fonts wherever they are installed: the layer's
``python/`` directory (``/opt/python`` on Lambda, which is on ``sys.path``), or ``layers/report``
on the path locally and in the tests.
"""

from __future__ import annotations

from pathlib import Path

DIRECTORY = Path(__file__).resolve().parent
