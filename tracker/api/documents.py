"""Documents (metadata, download, upload) and messages of a use case over the API."""

from __future__ import annotations

import io
from typing import Any

from flask import abort, request, send_file, url_for
from marshmallow import ValidationError
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from tracker.api.blueprint import bp, current_api_user, errors, reply
from tracker.api.problems import flatten
from tracker.api.schemas import DocumentOut, DocumentUpload, MessageInput, MessageOut
from tracker.api.usecases import IDEMPOTENCY, LOCATION, _use_case
from tracker.extensions import db
from tracker.rules import RuleError
from tracker.unit_of_work import unit_of_work
from tracker.usecases import queries, services
from tracker.usecases.models import Document


@bp.route("/use-cases/<apiid:id>/documents", tags=["Documents"])
@bp.response(200, DocumentOut(many=True))
@errors(401, 404, 429)
def list_documents(id: int) -> Response:
    """The files attached to the use case, newest first (metadata only)."""
    return reply(200, DocumentOut(many=True).dump(queries.documents(_use_case(id))))


@bp.route("/use-cases/<apiid:id>/documents/<apiid:document_id>/content", tags=["Documents"])
@bp.response(
    200,
    description="The file, byte for byte as uploaded",
    content_type="application/octet-stream",
)
@errors(401, 404, 429)
def download_document(id: int, document_id: int) -> Response:
    """Download a document."""
    use_case = _use_case(id)
    document = db.session.get(Document, document_id)
    if document is None or document.use_case_id != use_case.id:
        abort(404)
    response = send_file(
        io.BytesIO(document.data),
        mimetype=document.content_type,
        as_attachment=True,
        download_name=document.filename,
        max_age=0,
    )
    return response


UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "description": "PDF, Word, Excel or an image (PNG, JPEG, GIF, WebP)",
                    },
                    "description": {"type": "string", "maxLength": 300},
                },
            }
        }
    },
}


@bp.route("/use-cases/<apiid:id>/documents", methods=["POST"], tags=["Documents"])
@bp.response(201, DocumentOut, headers=LOCATION)
@bp.doc(parameters=[IDEMPOTENCY], requestBody=UPLOAD_BODY)
@errors(400, 401, 403, 404, 413, 422, 429)
def upload_document(id: int) -> Response:
    """Attach a file (PDF, Word, Excel or an image); its type is checked by its content."""
    use_case = _use_case(id)
    upload: FileStorage | None = request.files.get("file")
    try:
        form = DocumentUpload().load({k: v for k, v in request.form.items() if k != "file"})
    except ValidationError as exc:
        raise RuleError(flatten(exc.messages)) from exc
    if upload is None:
        raise RuleError({"file": "Send the file as the multipart field “file”."})
    with unit_of_work("api.use_case.document"):
        document = services.add_document(
            use_case, current_api_user(), upload.filename or "", upload.read(), form["description"]
        )
        location = url_for("api.download_document", id=id, document_id=document.id)
        return reply(201, DocumentOut().dump(document), location=location)


@bp.route("/use-cases/<apiid:id>/messages", tags=["Messages"])
@bp.response(200, MessageOut(many=True))
@errors(401, 404, 429)
def list_messages(id: int) -> Response:
    """Messages on the use case, oldest first; internal notes only to the regulator side."""
    use_case = _use_case(id)
    return reply(200, MessageOut(many=True).dump(queries.messages(use_case, current_api_user())))


@bp.route("/use-cases/<apiid:id>/messages", methods=["POST"], tags=["Messages"])
@bp.arguments(MessageInput)
@bp.response(201, MessageOut)
@bp.doc(parameters=[IDEMPOTENCY])
@errors(400, 401, 403, 404, 413, 429)
def post_message(data: dict[str, Any], id: int) -> Response:
    """Send a message to the other side (a regulator may keep it internal)."""
    use_case = _use_case(id)
    with unit_of_work("api.use_case.message"):
        message = services.post_message(
            use_case, current_api_user(), data["body"], data["internal"]
        )
        return reply(201, MessageOut().dump(message))
