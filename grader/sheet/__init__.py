"""Answer sheets: find each question's section, each part's answer, and where it was."""

from grader.sheet.extract import Found, extract_answers

__all__ = ["Found", "extract_answers"]
