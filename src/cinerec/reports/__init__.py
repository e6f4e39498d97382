"""Self-contained HTML reports (data inspection, model build, evaluation).

A :class:`Report` collects headings, paragraphs, tables, key/value lists and matplotlib
figures, and writes them as one ``index.html`` with the plots embedded, so a report can
be mailed, archived or opened offline without a folder of assets beside it.
"""

from cinerec.reports.html import Report

__all__ = ["Report"]
