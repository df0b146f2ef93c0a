"""Compressed style sheets and scripts (Flask-Compress), so a phone loads a page light.

Pages are left uncompressed: they carry a CSRF token beside text a visitor can choose, which
compression would expose to BREACH. Static files come from Flask as streamed file wrappers,
which Flask-Compress compresses without closing the file; they are small, so they are read
into memory (and the file closed) first.
"""

from __future__ import annotations

from flask import Flask, Response, request

from .extensions import compress

COMPRESSED_TYPES = ["text/css", "text/javascript", "application/javascript"]


def init_compression(app: Flask) -> None:
    app.config.setdefault("COMPRESS_MIMETYPES", COMPRESSED_TYPES)
    compress.init_app(app)

    # Registered after Flask-Compress, so it runs before it (after_request runs in reverse).
    @app.after_request
    def read_static_file(response: Response) -> Response:
        if (
            request.endpoint == "static"
            and response.is_streamed
            and response.mimetype in app.config["COMPRESS_MIMETYPES"]
        ):
            wrapper = response.response
            response.direct_passthrough = False
            response.make_sequence()
            close = getattr(wrapper, "close", None)
            if close is not None:
                close()
        return response
