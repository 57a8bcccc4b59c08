"""Compare inpainting methods on the same images and masks, with the same metrics.

:func:`compare` runs every method on every case of a suite (in local worker processes or on
a Dask cluster), writes each finished result to disk as it comes, and returns a
:class:`Report` with tables, figures and an HTML page. :func:`read_report` reopens a run
folder.

>>> import inpaintkit as ik
>>> report = ik.compare(["telea", "harmonic"], "tiny", out="report")     # doctest: +SKIP
>>> print(report.to_markdown())                                          # doctest: +SKIP
>>> report.save()                                                        # doctest: +SKIP

This package imports nothing heavy: Dask, pandas and matplotlib load only when used.
"""

from __future__ import annotations

from ._report import Report, read_report
from ._run import METRICS, compare

__all__ = ["compare", "Report", "read_report", "METRICS"]
