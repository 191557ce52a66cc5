"""/api/v1/supplier/insight: a supplier's feedback and survey figures, its e-services only."""

from __future__ import annotations

from flask import g, jsonify, request
from flask.typing import ResponseReturnValue

from app.api.auth import token_required
from app.api.blueprints import api_bp
from app.api.openapi import documented
from app.schemas.insight import InsightQuerySchema, SupplierInsightSchema
from app.services.insight import supplier_insight


@api_bp.get("/supplier/insight")
@documented(
    "Feedback and survey figures of the e-services the token's supplier supplies",
    query=InsightQuerySchema,
    response=SupplierInsightSchema,
    responses={403: "Not a supplier's token", 422: "Bad dates or parameters"},
)
@token_required("supplier", scopes=("supplier",))
def get_supplier_insight() -> ResponseReturnValue:
    filters = InsightQuerySchema().load(request.args)
    return jsonify(SupplierInsightSchema().dump(supplier_insight(filters, g.api_user)))
