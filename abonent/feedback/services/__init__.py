"""The only way to change feedback data: these service functions, each one transaction."""
