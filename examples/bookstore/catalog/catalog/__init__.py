"""The bookstore's catalog: a Flask app behind a meshwright sidecar (see ../README.md)."""
