"""The usage view's charts are the platform's shared server-drawn bars (``oa_platform.charts``);
kept under this name for the code and tests that import it from here."""

from oa_platform.charts import COLOURS, Series, columns, rows

__all__ = ["COLOURS", "Series", "columns", "rows"]
