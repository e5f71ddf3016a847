"""Audit and explanation reports: CSV (`csv.py`) and self-contained HTML (`html.py`)."""
