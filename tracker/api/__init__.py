"""The REST API at ``/api/v1/``: personal access tokens, marshmallow schemas documented as
OpenAPI 3.1 by flask-smorest, and endpoints that call the same commands as the pages."""
