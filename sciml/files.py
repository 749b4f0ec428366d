"""Kept for imports written before :mod:`sciml.core.files`; new code imports that module."""

from sciml.core.files import write_json
from sciml.core.files import write_text as write_text_atomic

__all__ = ["write_json", "write_text_atomic"]
