"""The one package every room shares: models, database, settings, clock, ids and
framework-free domain helpers. It imports nothing from the HTTP stacks or the scheduler."""
