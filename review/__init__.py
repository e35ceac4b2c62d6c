"""Reviewers' side of a batch: decisions on findings that survive re-runs, the Excel round trip, the reviewed
status and the 一次性告知单. Sits beside ``reports`` (which renders what it derives), above ``validators``."""
