"""The demo town: builders of regions, people, cases and survey rounds, and ``seed_demo``.

The top app below the composition root: it fills every app through their services and
models, and no app imports it.
"""
