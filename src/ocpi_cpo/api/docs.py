"""``/admin/docs``: Swagger UI served from this server (the files come with the fastapi-offline
package), so the page works on a network without internet."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

DOCS_STATIC = "/admin/docs/static"


def swagger_files() -> Path:
    return Path(str(files("fastapi_offline") / "static"))


def mount_docs(app: FastAPI, openapi_url: str) -> None:
    app.mount(DOCS_STATIC, StaticFiles(directory=swagger_files()), name="docs-static")

    @app.get("/admin/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} - admin API",
            swagger_js_url=f"{DOCS_STATIC}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_STATIC}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_STATIC}/favicon.png",
        )
