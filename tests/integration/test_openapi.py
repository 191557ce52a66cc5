"""GET /api/v1/openapi.json: a valid OpenAPI 3 document that describes every /api/v1 route."""

from openapi_spec_validator import validate

from app.api.openapi import undocumented_routes


def test_every_api_route_is_described(app):
    assert undocumented_routes(app) == []


def test_the_document_is_valid_openapi(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    validate(document)
    assert document["paths"]["/api/v1/feedback"]["post"]["requestBody"]
    body = document["components"]["schemas"]["FeedbackIn"]
    assert "text" in body["required"] and "contact" in body["properties"]


def test_every_route_is_in_the_document(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    documented = {
        (path, method) for path, operations in document["paths"].items() for method in operations
    }
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1"):
            path = rule.rule.replace("<", "{").replace(">", "}")
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert (path, method.lower()) in documented, rule.rule
