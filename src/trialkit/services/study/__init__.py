"""The study application's use cases; :class:`service.StudyService` is their one facade.

Kept empty on purpose: importing one module (say the views) does not load every use case.
"""
