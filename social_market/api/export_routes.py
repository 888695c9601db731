"""The 'download my data' file: only for its owner's signed-in browser, and only until it
expires. Never cached, never shown to anyone else (the same 404 for 'not yours')."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from social_market.api.auth_routes import SESSION_COOKIE
from social_market.db import session_scope
from social_market.services import accounts, data_export
from social_market.services.errors import DomainError

router = APIRouter()


@router.get("/api/export/{public_id}")
def download_export(public_id: str, request: Request) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    try:
        with session_scope() as session:
            user = accounts.user_for_session(session=session, token=token) if token else None
            if user is None:
                return Response("Please sign in to download your data.", status_code=401)
            path, owner = data_export.export_file_for(
                session=session, user_id=user.id, public_id=public_id
            )
    except DomainError:
        return Response("That download has expired or does not exist.", status_code=404)
    return FileResponse(
        path,
        media_type="application/zip",
        filename=f"social-market-{owner.handle}.zip",
        headers={"Cache-Control": "no-store", "X-Robots-Tag": "noindex"},
    )
