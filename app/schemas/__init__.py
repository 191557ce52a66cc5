"""marshmallow schemas: what comes in through the API and what goes out."""
